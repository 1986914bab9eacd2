import { assertEquals } from "../testing/assert.ts";
import { sendUpstream, type StreamWatch } from "./upstream_client.ts";
import { startRawUpstream } from "../tests/fake_upstream.ts";

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

/**
 * A raw HTTP/1.1 upstream: it answers each request it reads whole with the next of `answers`
 * (closing the connection after an answer that ends with `close`), and notes what it got.
 */
function scriptedUpstream(answers: Array<string | { text: string; close: true }>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen = { requests: [] as string[], connections: 0 };
  const decoder = new TextDecoder("latin1");
  const encoder = new TextEncoder();
  const whole = (text: string) => {
    const end = text.indexOf("\r\n\r\n");
    if (end === -1) return -1;
    const head = text.slice(0, end);
    if (/transfer-encoding: chunked/i.test(head)) {
      const last = text.indexOf("\r\n0\r\n\r\n", end);
      return last === -1 ? (text.startsWith("0\r\n\r\n", end + 4) ? end + 9 : -1) : last + 7;
    }
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    return text.length >= end + 4 + length ? end + 4 + length : -1;
  };
  (async () => {
    for await (const conn of listener) {
      seen.connections++;
      (async () => {
        const buffer = new Uint8Array(64 * 1024);
        let text = "";
        for (;;) {
          const n = await conn.read(buffer).catch(() => null);
          if (n === null) break;
          text += decoder.decode(buffer.subarray(0, n));
          const end = whole(text);
          if (end === -1) continue;
          seen.requests.push(text.slice(0, end));
          text = text.slice(end);
          const answer = answers.shift();
          if (answer === undefined) break;
          await conn.write(encoder.encode(typeof answer === "string" ? answer : answer.text));
          if (typeof answer !== "string") break;
        }
        conn.close();
      })().catch(() => {});
    }
  })().catch(() => {});
  return { port: listener.addr.port, seen, close: () => listener.close() };
}

function send(port: number, method: string, body: Uint8Array | ReadableStream<Uint8Array> | null) {
  return sendUpstream(`http://127.0.0.1:${port}/v1/chat?x=1`, {
    method,
    headers: [["content-type", "application/json"], ["authorization", "Bearer k\u00e9y"]],
    body,
    signal: new AbortController().signal,
  });
}

const OK = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

Deno.test("the upstream client sends the head as given, with Host, keep-alive and the body's length, then the body", async () => {
  const upstream = scriptedUpstream([OK]);
  try {
    const answer = await send(upstream.port, "POST", new TextEncoder().encode('{"a":1}'));
    assertEquals(new TextDecoder().decode(await answer.body!.readWhole(2, { touch() {} })), "{}");
    assertEquals(upstream.seen.requests, [
      `POST /v1/chat?x=1 HTTP/1.1\r\nhost: 127.0.0.1:${upstream.port}\r\nconnection: keep-alive\r\n` +
      "content-type: application/json\r\nauthorization: Bearer k\u00e9y\r\ncontent-length: 7\r\n\r\n" +
      '{"a":1}',
    ]);
  } finally {
    upstream.close();
  }
});

Deno.test("the upstream client sends a streamed request body chunked", async () => {
  const upstream = scriptedUpstream([OK]);
  try {
    const body = new Response("hello world").body!;
    const answer = await send(upstream.port, "POST", body);
    await answer.body!.readWhole(2, { touch() {} });
    const request = upstream.seen.requests[0];
    assertEquals(request.includes("transfer-encoding: chunked\r\n"), true);
    assertEquals(request.endsWith("\r\n\r\nb\r\nhello world\r\n0\r\n\r\n"), true, request);
  } finally {
    upstream.close();
  }
});

Deno.test("a chunked answer is read to its last chunk, trailers dropped, and its connection carries the next request", async () => {
  const chunked = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" +
    "8\r\ndata: 1\n\r\n9;ext=1\r\n\ndata: 2\n\r\n0\r\nx-trailer: t\r\n\r\n";
  const upstream = scriptedUpstream([chunked, OK]);
  try {
    const first = await send(upstream.port, "GET", null);
    assertEquals(await new Response(first.body!.stream()).text(), "data: 1\n\ndata: 2\n");
    const second = await send(upstream.port, "GET", null);
    assertEquals(second.status, 200);
    await second.body!.readWhole(2, { touch() {} });
    assertEquals(upstream.seen.connections, 1);
  } finally {
    upstream.close();
  }
});

Deno.test("interim 1xx answers are passed over for the final one", async () => {
  const upstream = scriptedUpstream([
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n" + OK,
  ]);
  try {
    const answer = await send(upstream.port, "POST", new Uint8Array(3));
    assertEquals(answer.status, 200);
    assertEquals(answer.headers.get("link"), null);
  } finally {
    upstream.close();
  }
});

Deno.test("a body ended by the connection's close is read to the close, and that connection is not used again", async () => {
  const upstream = scriptedUpstream([
    { text: "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of it", close: true },
    OK,
  ]);
  try {
    const first = await send(upstream.port, "GET", null);
    assertEquals(await new Response(first.body!.stream()).text(), "all of it");
    await (await send(upstream.port, "GET", null)).body!.readWhole(2, { touch() {} });
    assertEquals(upstream.seen.connections, 2);
  } finally {
    upstream.close();
  }
});

Deno.test("answers to HEAD, and 204 and 304 answers, have no body and leave their connection to the next request", async () => {
  const upstream = scriptedUpstream([
    "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n",
    "HTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\netag: x\r\n\r\n",
    OK,
  ]);
  try {
    assertEquals((await send(upstream.port, "HEAD", null)).body, null);
    assertEquals((await send(upstream.port, "GET", null)).status, 204);
    assertEquals((await send(upstream.port, "GET", null)).body, null);
    assertEquals((await send(upstream.port, "GET", null)).status, 200);
    assertEquals(upstream.seen.connections, 1);
  } finally {
    upstream.close();
  }
});

Deno.test("a malformed answer fails the exchange with what was wrong with it", async () => {
  for (
    const [answer, problem] of [
      ["HTTP/1.1 2OO OK\r\n\r\n", "malformed status line"],
      ["HTTP/1.1 200 OK\r\nbad header\r\n\r\n", "malformed header line"],
      ["HTTP/1.1 200 OK\r\ncontent-length: 2, 3\r\n\r\n{}", "invalid Content-Length"],
    ]
  ) {
    const upstream = scriptedUpstream([answer]);
    try {
      const failed = await send(upstream.port, "GET", null).then(() => null, (error) => error);
      assertEquals(String(failed?.message).includes(problem), true, String(failed));
    } finally {
      upstream.close();
    }
  }
});

Deno.test("a malformed chunk size fails the stream with what was wrong", async () => {
  const upstream = scriptedUpstream([
    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
  ]);
  try {
    const answer = await send(upstream.port, "GET", null);
    const failed = await new Response(answer.body!.stream()).text().then(() => null, (e) => e);
    assertEquals(String(failed?.message).includes("malformed chunk size"), true, String(failed));
  } finally {
    upstream.close();
  }
});

Deno.test("aborting the exchange mid-body fails the read with the abort's reason", async () => {
  const upstream = scriptedUpstream(["HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n12345"]);
  try {
    const aborter = new AbortController();
    const answer = await sendUpstream(`http://127.0.0.1:${upstream.port}/`, {
      method: "GET",
      headers: [],
      body: null,
      signal: aborter.signal,
    });
    const reading = answer.body!.readWhole(10, { touch() {} });
    setTimeout(() => aborter.abort(new Error("the client left")), 20);
    const failed = await reading.then(() => null, (error) => error);
    assertEquals(failed?.message, "the client left");
  } finally {
    upstream.close();
  }
});

/** An upstream that answers each connection's request with OK, then does `afterwards` to it, idle. */
function idleUpstream(afterwards: (conn: Deno.Conn) => Promise<void>) {
  const seen = { connections: 0 };
  const upstream = startRawUpstream(async (conn) => {
    seen.connections++;
    await conn.write(new TextEncoder().encode(OK));
    await afterwards(conn);
  });
  return { port: Number(new URL(upstream.url).port), seen, close: () => upstream.close() };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("a kept-alive connection the upstream closes while it idles is not used again, even for a streamed body", async () => {
  const upstream = idleUpstream(async (conn) => {
    await pause(20);
    conn.close();
  });
  try {
    await (await send(upstream.port, "POST", new Uint8Array(2))).body!.readWhole(2, { touch() {} });
    await pause(100);
    // A streamed body cannot be sent twice: it must go on a live connection the first time.
    const answer = await send(upstream.port, "POST", new Response("streamed").body!);
    assertEquals(answer.status, 200);
    await answer.body!.readWhole(2, { touch() {} });
    assertEquals(upstream.seen.connections, 2);
  } finally {
    upstream.close();
  }
});

Deno.test("bytes an upstream sends to an idle connection are not taken for the next answer", async () => {
  const upstream = idleUpstream(async (conn) => {
    await pause(20);
    await conn.write(
      new TextEncoder().encode("HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n"),
    );
    await pause(1000);
    conn.close();
  });
  try {
    await (await send(upstream.port, "GET", null)).body!.readWhole(2, { touch() {} });
    await pause(100);
    const answer = await send(upstream.port, "GET", null);
    assertEquals(answer.status, 200);
    await answer.body!.readWhole(2, { touch() {} });
    assertEquals(upstream.seen.connections, 2);
  } finally {
    upstream.close();
  }
});

Deno.test("an abort ends a TLS handshake that the upstream never answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) held.push(conn);
  })().catch(() => {});
  try {
    const aborter = new AbortController();
    const sending = sendUpstream(`https://127.0.0.1:${listener.addr.port}/`, {
      method: "GET",
      headers: [],
      body: null,
      signal: aborter.signal,
    });
    setTimeout(() => aborter.abort(new Error("no headers in time")), 50);
    const failed = await sending.then(() => null, (error) => error);
    assertEquals(failed?.message, "no headers in time");
  } finally {
    listener.close();
    for (const conn of held) conn.close();
  }
});
