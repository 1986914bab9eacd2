import { assertEquals, assertRejects } from "../testing/assert.ts";
import { readRequestBody } from "./request_body.ts";

/** A POST whose body streams `sent` bytes in 16 KiB chunks while claiming `declared`. */
function post(sent: number, declared: number): Request {
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= sent) return controller.close();
      const size = Math.min(16_384, sent - at);
      controller.enqueue(new Uint8Array(size).fill((at / 16_384) % 251));
      at += size;
    },
  });
  return new Request("http://127.0.0.1/v1/chat/completions", {
    method: "POST",
    body,
    headers: { "content-length": String(declared) },
  });
}

const CAP = 32 * 1024 * 1024;

for (const size of [1_000, 70_000, 3_000_000]) {
  Deno.test(`a ${size}-byte request body of its declared length is read whole, byte for byte`, async () => {
    const forwarded = await readRequestBody(post(size, size), CAP);
    const bytes = forwarded.body as Uint8Array;
    assertEquals(bytes.byteLength, size);
    // Each 16 KiB chunk is filled with its own number: every byte must sit where it was sent.
    const misplaced = bytes.findIndex((byte, i) => byte !== Math.floor(i / 16_384) % 251);
    assertEquals(misplaced, -1);
    assertEquals((await forwarded.captured).total, size);
  });
}

for (
  const [sent, declared, message] of [
    [60_000, 70_000, "the body ended after 60000 of its 70000 bytes"],
    [80_000, 70_000, "the body is longer than its Content-Length of 70000 bytes"],
    [500, 1_000, "the body ended after 500 of its 1000 bytes"],
    [2_000, 1_000, "the body is longer than its Content-Length of 1000 bytes"],
  ] as const
) {
  Deno.test(`a request body of ${sent} bytes that declared ${declared} is refused`, async () => {
    await assertRejects(() => readRequestBody(post(sent, declared), CAP), Error, message);
  });
}
