import { assert, assertEquals } from "../testing/assert.ts";
import { BodyRecorder, type TapEnd, tapStream } from "./capture.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("BodyRecorder keeps bytes up to its cap, then only counts", () => {
  const small = new BodyRecorder(10);
  small.add(bytes(1, 2));
  small.add(bytes(3));
  assertEquals(small.result(), { bytes: bytes(1, 2, 3), total: 3 });
  const over = new BodyRecorder(2);
  over.add(bytes(1, 2));
  over.add(bytes(3));
  assertEquals(over.result(), { bytes: null, total: 3 });
});

Deno.test("BodyRecorder keeps a compact copy, not the 64 KiB buffers fetch reads into", () => {
  const recorder = new BodyRecorder(1 << 20);
  const expected: number[] = [];
  for (let i = 0; i < 500; i++) {
    // Like a chunk from fetch: a few bytes at the start of a 64 KiB buffer.
    const chunk = new Uint8Array(new ArrayBuffer(65_536), 0, 13).fill(i % 251);
    recorder.add(chunk);
    expected.push(...chunk);
    chunk.fill(0); // the chunk's buffer is not kept: changing it changes nothing recorded
  }
  const { bytes: kept, total } = recorder.result();
  assertEquals(total, 6_500);
  assertEquals(kept?.buffer.byteLength, 6_500);
  assertEquals(kept, new Uint8Array(expected));
});

Deno.test("tapStream passes chunks through unchanged and reports the end once", async () => {
  const ends: TapEnd[] = [];
  const source = ReadableStream.from([bytes(1), bytes(2, 3)]);
  const out = tapStream(source, { cap: 100, onEnd: (end) => ends.push(end) });
  const seen = await Array.fromAsync(out);
  assertEquals(seen, [bytes(1), bytes(2, 3)]);
  assertEquals(ends.length, 1);
  assertEquals(ends[0].body, { bytes: bytes(1, 2, 3), total: 3 });
  assertEquals(ends[0].cancelled, false);
  assert(ends[0].firstChunkAt !== null);
});

Deno.test("tapStream reads a byte stream into one buffer and hands on exact-size chunks", async () => {
  const sent = [bytes(1, 2, 3), bytes(4), bytes(5, 6)];
  let i = 0;
  const source = new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (i < sent.length) return controller.enqueue(sent[i++].slice());
      controller.close();
      controller.byobRequest?.respond(0); // a byte source settles the pending read itself
    },
  });
  let end: TapEnd | undefined;
  const seen = await Array.fromAsync(tapStream(source, { cap: 100, onEnd: (e) => end = e }));
  assertEquals(seen, sent);
  for (const chunk of seen) assertEquals(chunk.buffer.byteLength, chunk.byteLength);
  assertEquals(end?.body, { bytes: bytes(1, 2, 3, 4, 5, 6), total: 6 });
});

Deno.test("tapStream reports a cancelled reader and cancels its source", async () => {
  let sourceCancelled = false;
  const source = new ReadableStream<Uint8Array>({
    pull: (c) => c.enqueue(bytes(7)),
    cancel: () => {
      sourceCancelled = true;
    },
  });
  let end: TapEnd | undefined;
  const reader = tapStream(source, { cap: 100, onEnd: (e) => end = e }).getReader();
  await reader.read();
  await reader.cancel();
  assertEquals(end?.cancelled, true);
  assertEquals(end?.body.total, 1);
  assert(sourceCancelled);
});

Deno.test("tapStream reports a source that fails mid-way", async () => {
  let n = 0;
  const source = new ReadableStream<Uint8Array>({
    pull: (c) => (n++ === 0 ? c.enqueue(bytes(1)) : c.error(new Error("reset"))),
  });
  let end: TapEnd | undefined;
  const reader = tapStream(source, { cap: 100, onEnd: (e) => end = e }).getReader();
  await reader.read();
  const failed = await reader.read().then(() => false, () => true);
  assert(failed);
  assertEquals((end?.error as Error).message, "reset");
  assertEquals(end?.body.bytes, bytes(1));
});
