/** Misbehaving upstreams, clients and framing: each gets a clear, recorded outcome and nothing hangs. */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../testing/assert.ts";
import { chatBody, type Rig, type RigOverrides, within, withRig } from "./_harness.ts";
import { type RawUpstream, startRawUpstream } from "./fake_upstream.ts";

const encoder = new TextEncoder();
const json = { "content-type": "application/json" };

/** Answers with headers saying 1000 bytes of JSON and half of them, then stalls. */
function halfJsonThenStall(): RawUpstream {
  return startRawUpstream(async (conn) => {
    await conn.write(encoder.encode(
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n" +
        '{"id":"x","pad":"' + "a".repeat(480),
    ));
  });
}

/** Runs `fn` with llmprof in front of `upstream` (as `overrides` place it), then closes the upstream. */
async function behind(
  upstream: { url: string; close(): unknown },
  fn: (rig: Rig) => Promise<void>,
  overrides: (url: URL) => RigOverrides,
): Promise<void> {
  try {
    await withRig(fn, () => overrides(new URL(upstream.url)));
  } finally {
    await upstream.close();
  }
}

/** Posts a chat call to llmprof and checks that the client got a 502. */
async function expect502(base: string): Promise<void> {
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: json,
    body: chatBody(),
  });
  assertEquals(response.status, 502);
  await response.body?.cancel();
}

/** Sends raw request bytes to llmprof, half-closes (unless told not to), and reads the whole answer. */
async function rawExchange(port: number, request: string, halfClose = true): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encoder.encode(request));
  if (halfClose) await conn.closeWrite();
  let out = "";
  const buffer = new Uint8Array(16 * 1024);
  for (;;) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) break;
    out += new TextDecoder().decode(buffer.subarray(0, n));
  }
  conn.close();
  return out;
}

Deno.test("proxy ends a JSON body that stalls after the idle timeout with a 502 and the real reason", async () => {
  const raw = halfJsonThenStall();
  await behind(raw, async ({ llmprof, nextCall }) => {
    const closed = raw.nextClose();
    const response = await within(
      fetch(`${llmprof.url}/v1/chat/completions`, {
        method: "POST",
        headers: json,
        body: chatBody(),
      }),
      10_000,
      "the client got nothing from a stalled upstream",
    );
    assertEquals(response.status, 502);
    assertStringIncludes((await response.json()).error.message, "sent nothing for");
    await within(closed, 2_000, "the stalled upstream was not closed");
    const call = await nextCall();
    assertEquals(call.status, 502);
    assertStringIncludes(call.error ?? "", "sent nothing for");
    assert(!(call.error ?? "").includes("capture cap"), call.error ?? "");
  }, (url) => ({ upstream: url, idleTimeoutMs: 300 }));
});

Deno.test("proxy aborts the upstream within a second when the client leaves during a JSON body", async () => {
  const raw = halfJsonThenStall();
  await behind(raw, async ({ llmprof, nextCall }) => {
    const closed = raw.nextClose();
    const client = new AbortController();
    const sent = fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body: chatBody(),
      signal: client.signal,
    }).catch((error: Error) => error.name);
    await new Promise((r) => setTimeout(r, 200));
    client.abort();
    assertEquals(await sent, "AbortError");
    await within(closed, 1_000, "upstream never saw the abort");
    const call = await nextCall();
    assertEquals([call.status, call.clientAborted], [499, true]);
  }, (url) => ({ upstream: url }));
});

/** Answers with SSE headers and one event, then stalls forever. */
function sseThenStall(): RawUpstream {
  return startRawUpstream(async (conn) => {
    await conn.write(encoder.encode(
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n" +
        '12\r\ndata: {"n":0}\n\n\r\n',
    ));
  });
}

Deno.test("proxy ends an SSE stream that stalls after the idle timeout and records why", async () => {
  const raw = sseThenStall();
  await behind(raw, async ({ llmprof, nextCall }) => {
    const closed = raw.nextClose();
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body: chatBody({ stream: true }),
    });
    assertEquals(response.status, 200);
    const failed = await within(
      response.text().then(() => false, () => true),
      10_000,
      "a stalled stream never ended",
    );
    assert(failed, "the client saw a stalled stream end as if complete");
    await within(closed, 2_000, "the stalled upstream was not closed");
    const call = await nextCall();
    assertStringIncludes(call.error ?? "", "sent nothing for");
    assertStringIncludes(new TextDecoder().decode(call.responseBody!), 'data: {"n":0}');
  }, (url) => ({ upstream: url, idleTimeoutMs: 300 }));
});

Deno.test("shutdown ends a stalled SSE stream after its grace period", async () => {
  const raw = sseThenStall();
  await behind(raw, async ({ llmprof }) => {
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body: chatBody({ stream: true }),
    });
    const reader = response.body!.getReader();
    await reader.read();
    const reading = reader.read().catch(() => null);
    await within(llmprof.shutdown(), 5_000, "shutdown waited on the stalled stream");
    await reading;
  }, (url) => ({ upstream: url, graceMs: 200 }));
});

const cutShort = {
  "a request body shorter than its Content-Length": 'content-length: 100\r\n\r\n{"model":"gpt-4o"',
  "a truncated chunked request body": 'transfer-encoding: chunked\r\n\r\n40\r\n{"model":"gpt-4o"',
  // Over the size read chunk by chunk (64 KiB): half of it comes, then the client stops.
  "a large request body shorter than its Content-Length":
    `content-length: 200000\r\n\r\n{"model":"gpt-4o","messages":[{"role":"user","content":"${
      "x".repeat(100_000)
    }`,
};
for (const [what, framing] of Object.entries(cutShort)) {
  Deno.test(`proxy answers 400 and records ${what}`, () =>
    withRig(async ({ llmprof, nextCall }) => {
      const answer = await rawExchange(
        llmprof.port,
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
          framing,
      );
      assertMatch(answer, /^HTTP\/1\.1 400 /);
      assertStringIncludes(answer, "request body");
      const call = await nextCall();
      assertEquals(call.status, 400);
      assertStringIncludes(call.error ?? "", "request body");
    }));
}

for (const encoding of ["gzip", "br"]) {
  Deno.test(`proxy answers 502 in the provider's shape when a plain body claims ${encoding}`, async () => {
    const body = '{"id":"msg_1","type":"message","content":[]}';
    const raw = startRawUpstream(async (conn) => {
      await conn.write(encoder.encode(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: ${encoding}\r\n` +
          `content-length: ${body.length}\r\n\r\n${body}`,
      ));
    });
    await behind(raw, async ({ llmprof, nextCall }) => {
      const response = await fetch(`${llmprof.url}/v1/messages`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ model: "claude", max_tokens: 5, messages: [] }),
      });
      assertEquals(response.status, 502);
      const answer = await response.json();
      assertEquals(answer.type, "error");
      assertStringIncludes(answer.error.message, encoding);
      const call = await nextCall();
      assertEquals(call.status, 502);
    }, (url) => ({ anthropicUpstream: url }));
  });
}

Deno.test("proxy records the 502 the client got when the upstream resets mid JSON body", async () => {
  const raw = startRawUpstream(async (conn) => {
    await conn.write(encoder.encode(
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"id":',
    ));
    conn.close();
  });
  await behind(raw, async ({ llmprof, nextCall }) => {
    await expect502(llmprof.url);
    const call = await nextCall();
    assertEquals(call.status, 502);
    assertStringIncludes(call.error ?? "", "upstream");
  }, (url) => ({ upstream: url }));
});

Deno.test("CONNECT gets a 405 and is not recorded as a call", () =>
  withRig(async ({ fake, llmprof }) => {
    const answer = await rawExchange(
      llmprof.port,
      "CONNECT api.openai.com:443 HTTP/1.1\r\nhost: api.openai.com:443\r\n\r\n",
    );
    assertMatch(answer, /^HTTP\/1\.1 405 /);
    assertEquals(fake.requests.length, 0);
    assertEquals(llmprof.queue.pending, 0);
  }));

Deno.test("malformed percent-encoding in llmprof's own paths gets a 400", () =>
  withRig(async ({ llmprof }) => {
    for (const path of ["/_llmprof/api/calls/%E0%A4%A", "/_llmprof/calls/%E0%A4%A"]) {
      const response = await fetch(`${llmprof.url}${path}`);
      await response.body?.cancel();
      assertEquals(response.status, 400, path);
    }
  }));

Deno.test("a call that never reached the upstream costs nothing", () =>
  withRig(async ({ llmprof, nextRecord }) => {
    await expect502(llmprof.url);
    const { record } = await nextRecord();
    assertEquals(record.status, 502);
    assertEquals([record.cost?.total_usd, record.cost?.priced], [0, true]);
    assertStringIncludes(record.attribution?.notes.join(" ") ?? "", "never reached the upstream");
  }, () => ({ upstream: new URL("http://127.0.0.1:9"), analyse: true })));

/** A WebSocket upstream that echoes each message with the client's authorization header. */
function startEchoSocket(): { url: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    if (request.headers.get("upgrade") !== "websocket") {
      return new Response("WebSockets only", { status: 426 });
    }
    const auth = request.headers.get("authorization");
    const { socket, response } = Deno.upgradeWebSocket(request, { protocol: "responses" });
    socket.onmessage = (event) => socket.send(`${event.data} (${auth})`);
    return response;
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test("proxy relays a WebSocket upgrade verbatim and records one call for the session", async () => {
  const upstream = startEchoSocket();
  await behind(upstream, async ({ llmprof, nextCall }) => {
    const socket = new (WebSocket as unknown as new (
      url: string,
      options: { headers: Record<string, string>; protocols: string[] },
    ) => WebSocket)(`${llmprof.url.replace("http", "ws")}/v1/responses`, {
      headers: { authorization: "Bearer sk-test-ws" },
      protocols: ["responses"],
    });
    const reply = await within(
      new Promise<string>((resolve, reject) => {
        socket.onopen = () => socket.send("hello");
        socket.onmessage = (event) => resolve(String(event.data));
        socket.onerror = () => reject(new Error("the WebSocket failed"));
      }),
      5_000,
      "no WebSocket reply",
    );
    assertEquals(reply, "hello (Bearer sk-test-ws)");
    assertEquals(socket.protocol, "responses");
    const closed = new Promise((resolve) => socket.onclose = resolve);
    socket.close();
    await closed;
    const call = await nextCall();
    assertEquals([call.method, call.path, call.status], ["GET", "/v1/responses", 101]);
    assertEquals([call.requestBytes, call.responseBytes], [5, reply.length]);
    assertEquals(call.requestHeaders.authorization, "[redacted]");
  }, (url) => ({ upstream: url }));
});

Deno.test("proxy answers a WebSocket upgrade the upstream refuses with a 502", () =>
  withRig(async ({ llmprof, nextCall }) => {
    const response = await fetch(`${llmprof.url}/v1/responses`, {
      headers: {
        upgrade: "websocket",
        connection: "upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    assertEquals(response.status, 502);
    assertStringIncludes((await response.json()).error.message, "could not open a WebSocket");
    const call = await nextCall();
    assertEquals(call.status, 502);
  }));

Deno.test("shutdown says how many calls could not be written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "llmprof-unwritable-" });
  const db = `${dir}/llmprof.db`;
  await withRig(async ({ llmprof, logs }) => {
    // The database loses its calls table under llmprof (another process broke it): every write fails.
    const other = new DatabaseSync(db);
    other.exec("DROP TABLE calls");
    other.close();
    const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
      method: "POST",
      headers: json,
      body: chatBody(),
    });
    await response.text();
    assertEquals(await llmprof.shutdown(), 1);
    assert(logs.some((line) => line.includes("no such table: calls")), logs.join("\n"));
  }, () => ({ drainMs: 600, db: `sqlite:${db}` }));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("proxy sends a request again on a new connection when a kept-alive one was closed under it", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const answer = '{"id":"chatcmpl-1","object":"chat.completion","choices":[]}';
  const ok = encoder.encode(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${answer.length}\r\n\r\n${answer}`,
  );
  let connections = 0;
  let requests = 0;
  (async () => {
    for await (const conn of listener) {
      const first = ++connections === 1;
      (async () => {
        const buffer = new Uint8Array(64 * 1024);
        for (let served = 0;; served++) {
          const n = await conn.read(buffer).catch(() => null);
          if (n === null) break;
          requests++;
          // The first connection answers once, then drops the next request unanswered.
          if (first && served === 1) break;
          await conn.write(ok);
        }
        conn.close();
      })();
    }
  })().catch(() => {});
  const upstream = {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    close: () => listener.close(),
  };
  await behind(upstream, async ({ llmprof, nextCall }) => {
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
        method: "POST",
        headers: json,
        body: chatBody(),
      });
      assertEquals(response.status, 200);
      assertEquals((await response.json()).id, "chatcmpl-1");
      assertEquals((await nextCall()).status, 200);
    }
    assertEquals(connections, 2);
    assertEquals(requests, 3);
  }, (url) => ({ upstream: url }));
});
