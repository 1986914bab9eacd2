import { assertEquals } from "../testing/assert.ts";
import { sendUpstream, type StreamWatch } from "./upstream_client.ts";

/** An upstream that streams `chunks` (then holds the stream open when `hold`). */
function streamingUpstream(chunks: string[], hold = false) {
  const encoder = new TextEncoder();
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
    new Response(
      new ReadableStream({
        async start(controller) {
          for (const chunk of chunks) {
            controller.enqueue(encoder.encode(chunk));
            await new Promise((r) => setTimeout(r, 5));
          }
          if (!hold) controller.close();
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    ));
}

/** The answer to a GET of the root of the upstream on `port`. */
function getFrom(port: number) {
  return sendUpstream(`http://127.0.0.1:${port}/`, {
    method: "GET",
    headers: [],
    body: null,
    signal: new AbortController().signal,
  });
}

/** A watch that writes down what it saw. */
function recordingWatch() {
  const seen = { chunks: [] as string[], ends: [] as Array<[boolean, unknown]> };
  const decoder = new TextDecoder();
  const watch: StreamWatch = {
    chunk: (chunk) => seen.chunks.push(decoder.decode(chunk)),
    end: (cancelled, error) => seen.ends.push([cancelled, error]),
  };
  return { seen, watch };
}

Deno.test("a watched upstream stream shows each chunk as it passes, then its end once", async () => {
  const server = streamingUpstream(["data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"]);
  try {
    const answer = await getFrom(server.addr.port);
    const { seen, watch } = recordingWatch();
    const read = await new Response(answer.body!.stream(watch)).text();
    assertEquals(read, "data: 1\n\ndata: 2\n\ndata: [DONE]\n\n");
    assertEquals(seen.chunks.join(""), read);
    assertEquals(seen.ends, [[false, null]]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a reader that cancels a watched stream is told to the watch once, as cancelled", async () => {
  const server = streamingUpstream(["data: 1\n\n"], true);
  try {
    const answer = await getFrom(server.addr.port);
    const { seen, watch } = recordingWatch();
    const reader = answer.body!.stream(watch).getReader();
    await reader.read();
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 50)); // the destroyed message ends after the cancel
    assertEquals(seen.chunks, ["data: 1\n\n"]);
    assertEquals(seen.ends, [[true, null]]);
  } finally {
    await server.shutdown();
  }
});

/** An upstream that sends half of a declared body, then resets the connection. */
function resettingUpstream() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096));
      await conn.write(new TextEncoder().encode(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: 1000\r\n\r\ndata: 1\n\n",
      ));
      await new Promise((r) => setTimeout(r, 20));
      conn.close();
    }
  })().catch(() => {});
  return listener;
}

Deno.test("an upstream that fails mid-stream fails the stream and tells the watch once, with why", async () => {
  const listener = resettingUpstream();
  try {
    const answer = await getFrom(listener.addr.port);
    const { seen, watch } = recordingWatch();
    const reading = new Response(answer.body!.stream(watch)).text();
    const failed = await reading.then(() => null, (error) => error);
    assertEquals(failed instanceof Error, true, "the reader saw the failure");
    assertEquals(seen.chunks.join(""), "data: 1\n\n");
    assertEquals(seen.ends.length, 1);
    assertEquals(seen.ends[0][0], false);
    assertEquals(seen.ends[0][1] instanceof Error, true);
  } finally {
    listener.close();
  }
});

Deno.test("a watch that throws fails its stream, not the process, and still hears the end", async () => {
  const server = streamingUpstream(["data: 1\n\n", "data: 2\n\n"]);
  try {
    const answer = await getFrom(server.addr.port);
    const ends: unknown[] = [];
    const stream = answer.body!.stream({
      chunk: () => {
        throw new RangeError("capture ran out of room");
      },
      end: (_cancelled, error) => ends.push(error),
    });
    const failed = await new Response(stream).text().then(() => null, (error) => error);
    assertEquals(failed instanceof RangeError, true);
    assertEquals(ends.length, 1);
    assertEquals((ends[0] as Error).message, "capture ran out of room");
  } finally {
    await server.shutdown();
  }
});
