import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { sampleCall } from "../testing/records.ts";
import { openStore, StoreError } from "./mod.ts";
import type { Querier } from "./sql_store.ts";
import { SqliteStore } from "./sqlite_store.ts";

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

Deno.test("a damaged SQLite file is refused at start with one sentence saying so", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/llmprof.db`;
  const store = await SqliteStore.open(path);
  await store.writeBatch(
    Array.from({ length: 200 }, (_, i) => sampleCall({ id: `c${i}` }, "x".repeat(2_000))),
  );
  await store.close();
  // Scribble over pages in the middle of the file, as a bad disk sector would.
  const bytes = await Deno.readFile(path);
  const pageSize = (bytes[16] << 8) | bytes[17];
  for (let page = 3; page < 8; page++) bytes.fill(0x5a, page * pageSize, (page + 1) * pageSize);
  await Deno.writeFile(path, bytes);
  const error = await rejection(openStore(`sqlite:${path}`));
  assert(error instanceof StoreError, String(error));
  assertStringIncludes(error.message, "damaged");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a full disk is reported as such, not as a failed rollback", async () => {
  const dir = await Deno.makeTempDir();
  const store = await SqliteStore.open(`${dir}/llmprof.db`);
  // The file may not grow past its size now: every page SQLite would add fails with SQLITE_FULL.
  const db = (store as unknown as { db: Querier }).db;
  const [{ page_count }] = await db.all("PRAGMA page_count");
  await db.all(`PRAGMA max_page_count = ${Number(page_count)}`);
  const error = await rejection(
    store.writeBatch(
      Array.from({ length: 50 }, (_, i) => sampleCall({ id: `f${i}` }, "y".repeat(5_000))),
    ),
  );
  assertStringIncludes(error.message, "full");
  assert(!error.message.includes("rollback"), error.message);
  await store.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a SQLite file that cannot be set up is not left behind, and one that is is owner-only", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/llmprof.db`;
  // The write-ahead log cannot be created where a directory of its name stands.
  await Deno.mkdir(`${path}-wal`);
  await rejection(openStore(`sqlite:${path}`));
  assertEquals(await Deno.stat(path).then(() => true, () => false), false);
  await Deno.remove(`${path}-wal`).catch(() => {});
  const store = await openStore(`sqlite:${path}`);
  await store.close();
  assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
  await Deno.remove(dir, { recursive: true });
});
