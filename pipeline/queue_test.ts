import { assert, assertEquals } from "../testing/assert.ts";
import type { CapturedCall } from "../core/call.ts";
import { CaptureQueue } from "./queue.ts";
import { capturedCall } from "../testing/captured.ts";

function call(id: string, bodyBytes = 0): CapturedCall {
  return capturedCall("chat.completions", new Uint8Array(bodyBytes), null, { id });
}

Deno.test("CaptureQueue hands calls over in order", async () => {
  const queue = new CaptureQueue();
  queue.submit(call("a"));
  queue.submit(call("b"));
  assertEquals((await queue.take())?.id, "a");
  assertEquals((await queue.take())?.id, "b");
  const waiting = queue.take();
  queue.submit(call("c"));
  assertEquals((await waiting)?.id, "c");
});

Deno.test("CaptureQueue sheds and counts calls beyond its call bound, never blocking", () => {
  const queue = new CaptureQueue({ maxCalls: 2 });
  assertEquals([queue.submit(call("a")), queue.submit(call("b")), queue.submit(call("c"))], [
    true,
    true,
    false,
  ]);
  assertEquals(queue.stats(), { pending: 2, dropped: 1, accepted: 2 });
});

Deno.test("CaptureQueue sheds calls beyond its byte bound", () => {
  const queue = new CaptureQueue({ maxBytes: 100 });
  assertEquals([
    queue.submit(call("a", 60)),
    queue.submit(call("b", 60)),
    queue.submit(call("c", 30)),
  ], [true, false, true]);
  assertEquals(queue.stats().dropped, 1);
});

Deno.test("CaptureQueue drains after close, then yields null", async () => {
  const queue = new CaptureQueue();
  queue.submit(call("a"));
  queue.close();
  assertEquals(queue.submit(call("b")), false);
  assertEquals((await queue.take())?.id, "a");
  assertEquals(await queue.take(), null);
});

Deno.test("a batch takes what is queued, within its call and byte limits, the first call always", async () => {
  const queue = new CaptureQueue();
  for (const [id, bytes] of [["a", 10], ["b", 10], ["c", 5_000], ["d", 10]] as const) {
    queue.submit(call(id, bytes));
  }
  const ids = (batch: CapturedCall[] | null) => batch?.map((c) => c.id);
  assertEquals(ids(await queue.takeBatch({ maxCalls: 2, maxBytes: 1_000 })), ["a", "b"]);
  assertEquals(ids(await queue.takeBatch({ maxCalls: 8, maxBytes: 1_000 })), ["c"]);
  assertEquals(ids(await queue.takeBatch({ maxCalls: 8, maxBytes: 1_000 })), ["d"]);
  queue.close();
  assertEquals(await queue.takeBatch({ maxCalls: 8, maxBytes: 1_000 }), null);
});

Deno.test("a gathering batch waits for calls that trickle in and leaves once it is full", async () => {
  const queue = new CaptureQueue();
  queue.submit(call("a"));
  const started = Date.now();
  const batch = queue.takeBatch({ maxCalls: 3, maxBytes: 1_000, gatherMs: 60_000 });
  await new Promise((r) => setTimeout(r, 10));
  queue.submit(call("b"));
  await new Promise((r) => setTimeout(r, 10));
  queue.submit(call("c"));
  queue.submit(call("d"));
  assertEquals((await batch)?.map((c) => c.id), ["a", "b", "c"]);
  // Woken by the third call, not by the minute-long gather timer (which the sanitizer would flag).
  assert(Date.now() - started < 30_000);
  assertEquals((await queue.takeBatch({ maxCalls: 3, maxBytes: 1_000 }))?.map((c) => c.id), ["d"]);
});

Deno.test("a gathering batch that does not fill leaves with what came", async () => {
  const queue = new CaptureQueue();
  queue.submit(call("a"));
  const batch = queue.takeBatch({ maxCalls: 32, maxBytes: 1_000, gatherMs: 20 });
  queue.submit(call("b"));
  assertEquals((await batch)?.map((c) => c.id), ["a", "b"]);
});

Deno.test("closing the queue wakes a gathering batch at once", async () => {
  const queue = new CaptureQueue();
  queue.submit(call("a"));
  const batch = queue.takeBatch({ maxCalls: 32, maxBytes: 1_000, gatherMs: 60_000 });
  await new Promise((r) => setTimeout(r, 10));
  queue.close();
  assertEquals((await batch)?.map((c) => c.id), ["a"]);
});
