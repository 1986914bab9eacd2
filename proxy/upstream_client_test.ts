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

/** The answer to a GET of `server`'s root. */
function getFrom(server: Deno.HttpServer<Deno.NetAddr>) {
  return sendUpstream(`http://127.0.0.1:${server.addr.port}/`, {
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
    const answer = await getFrom(server);
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
    const answer = await getFrom(server);
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
