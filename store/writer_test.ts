import { assertEquals } from "../testing/assert.ts";
import { sampleCall } from "../testing/records.ts";
import type { BaseStore, StoredCall } from "./contract.ts";
import { StoreWriter } from "./writer.ts";

/** A store that keeps batches in memory and can be switched off. */
function flakyStore() {
  const written: StoredCall[] = [];
  let up = true;
  let closed = false;
  const store = {
    kind: "sqlite",
    writeBatch: (calls: readonly StoredCall[]) => {
      if (!up) return Promise.reject(new Error("connection refused"));
      written.push(...calls);
      return Promise.resolve();
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  } as unknown as BaseStore;
  return { store, written, setUp: (value: boolean) => up = value, closed: () => closed };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("StoreWriter batches calls into the store", async () => {
  const { store, written } = flakyStore();
  const writer = new StoreWriter(store, { flushMs: 10 });
  for (let i = 0; i < 25; i++) writer.write(sampleCall());
  await tick(50);
  assertEquals(written.length, 25);
  assertEquals(writer.stats(), { backlog: 0, dropped: 0, written: 25, ok: true, error: null });
  await writer.close();
});

Deno.test("StoreWriter keeps calls while the store is away and writes them when it returns", async () => {
  const { store, written, setUp } = flakyStore();
  const logs: string[] = [];
  const writer = new StoreWriter(store, { flushMs: 10, log: (l) => logs.push(l) });
  setUp(false);
  for (let i = 0; i < 10; i++) writer.write(sampleCall());
  await tick(50);
  assertEquals(writer.stats().backlog, 10);
  assertEquals(writer.stats().ok, false);
  assertEquals(writer.stats().error, "connection refused");
  setUp(true);
  await tick(600);
  assertEquals(written.length, 10);
  assertEquals(writer.stats().ok, true);
  assertEquals(logs.length, 2, "one line when the store goes, one when it returns");
  await writer.close();
});

Deno.test("StoreWriter sheds and counts calls beyond its backlog bound", async () => {
  const { store, setUp } = flakyStore();
  setUp(false);
  const writer = new StoreWriter(store, { flushMs: 10, maxBacklog: 3, log: () => {} });
  const kept = Array.from({ length: 5 }, () => writer.write(sampleCall()));
  assertEquals(kept, [true, true, true, false, false]);
  assertEquals(writer.stats().dropped, 2);
  assertEquals(await writer.close(50), 3, "close reports what it could not write");
});

Deno.test("StoreWriter writes everything on close, held records too, and leaves the store open", async () => {
  const { store, written, closed } = flakyStore();
  const writer = new StoreWriter(store, { flushMs: 60_000, holdMs: 60_000 });
  for (let i = 0; i < 1_200; i++) writer.write(sampleCall());
  writer.write({ ...sampleCall({ id: "held" }), analysed: false });
  assertEquals(await writer.close(), 0);
  assertEquals(written.length, 1_201);
  assertEquals(closed(), false, "the store belongs to whoever opened it");
});

Deno.test("StoreWriter holds an unanalysed record so that its analysed one is the only write", async () => {
  const { store, written } = flakyStore();
  const writer = new StoreWriter(store, { flushMs: 5, holdMs: 200 });
  const call = sampleCall({ id: "a" });
  writer.write({ ...call, analysed: false });
  writer.write(sampleCall({ id: "b" }));
  await tick(60);
  assertEquals(written.map((c) => c.record.id), ["b"], "the analysed call is not held");
  writer.write({ ...call, record: { ...call.record, model: "gpt-5" } });
  await tick(60);
  assertEquals(written.map((c) => [c.record.id, c.analysed ?? true]), [["b", true], ["a", true]]);
  assertEquals(writer.stats().written, 2);
  await writer.close();
});

Deno.test("StoreWriter writes an unanalysed record once its hold is over", async () => {
  const { store, written } = flakyStore();
  const writer = new StoreWriter(store, { flushMs: 5, holdMs: 100 });
  writer.write({ ...sampleCall({ id: "shed" }), analysed: false });
  await tick(40);
  assertEquals(written.length, 0, "still waiting for its analysis");
  assertEquals(writer.stats().backlog, 1, "a held record counts as waiting");
  await tick(250);
  assertEquals(written.map((c) => [c.record.id, c.analysed]), [["shed", false]]);
  writer.write({ ...sampleCall({ id: "late" }), analysed: false });
  writer.write(sampleCall({ id: "late" }));
  writer.write({ ...sampleCall({ id: "late" }), analysed: false });
  await writer.flush();
  assertEquals(
    written.at(-1)!.analysed ?? true,
    true,
    "a late unanalysed record never replaces the analysed one",
  );
  await writer.close();
});

Deno.test("StoreWriter retries a write that never settles", async () => {
  const written: StoredCall[] = [];
  let hang = true;
  const store = {
    kind: "postgres",
    writeBatch: (calls: readonly StoredCall[]) => {
      if (hang) {
        hang = false;
        return new Promise<void>(() => {});
      }
      written.push(...calls);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  } as unknown as BaseStore;
  const writer = new StoreWriter(store, { flushMs: 10, writeTimeoutMs: 100, log: () => {} });
  writer.write(sampleCall());
  await tick(700);
  assertEquals(written.length, 1);
  assertEquals(writer.stats().ok, true);
  await writer.close();
});

Deno.test("StoreWriter keeps one backlog entry per call: the analysed record takes the unanalysed one's place", async () => {
  const { store, written, setUp } = flakyStore();
  setUp(false);
  const writer = new StoreWriter(store, { flushMs: 10, maxBacklog: 2, log: () => {} });
  const basic = sampleCall({ id: "a" });
  assertEquals(writer.write({ ...basic, analysed: false }), true);
  assertEquals(writer.write(sampleCall({ id: "b" })), true);
  assertEquals(
    writer.write({ ...basic, record: { ...basic.record, model: "gpt-5" } }),
    true,
    "replacing is not growing",
  );
  assertEquals(writer.stats().backlog, 2);
  setUp(true);
  await tick(600);
  assertEquals(written.map((c) => [c.record.id, c.record.model]), [["a", "gpt-5"], [
    "b",
    "gpt-4o",
  ]]);
  await writer.close();
});
