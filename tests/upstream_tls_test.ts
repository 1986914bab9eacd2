/** The proxy's own HTTP client talks TLS to an https upstream, trusting a CA it is given. */
import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { postChat, readTimed, withRig } from "./_harness.ts";
import { certificates } from "./_tls.ts";

const COMPLETION = {
  id: "chatcmpl-tls",
  object: "chat.completion",
  model: "gpt-4o-mini",
  choices: [{
    index: 0,
    message: { role: "assistant", content: "over TLS" },
    finish_reason: "stop",
  }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
};

Deno.test("proxy forwards JSON and SSE calls to an https upstream whose CA NODE_EXTRA_CA_CERTS names", async () => {
  const tls = await certificates();
  // Read when the first TLS connection is made: this file runs in a process of its own.
  Deno.env.set("NODE_EXTRA_CA_CERTS", tls.caFile);
  const seen: string[] = [];
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: tls.cert, key: tls.key, onListen() {} },
    async (request) => {
      const body = await request.json();
      seen.push(request.headers.get("host") ?? "");
      if (!body.stream) return Response.json(COMPLETION);
      const events = ["Hel", "lo"].map((text) =>
        `data: ${
          JSON.stringify({ id: "c", choices: [{ index: 0, delta: { content: text } }] })
        }\n\n`
      );
      return new Response(events.join("") + "data: [DONE]\n\n", {
        headers: { "content-type": "text/event-stream" },
      });
    },
  );
  const base = `https://localhost:${upstream.addr.port}`;
  try {
    await withRig(async ({ llmprof, nextCall }) => {
      const plain = await postChat(llmprof.url);
      assertEquals(await plain.json(), COMPLETION);
      assertEquals((await nextCall()).status, 200);
      const streamed = await postChat(llmprof.url, { stream: true });
      const { text } = await readTimed(streamed);
      assertStringIncludes(text, "data: [DONE]");
      const call = await nextCall();
      assertEquals(call.status, 200);
      assertEquals(call.error, null);
      assertEquals(seen, [`localhost:${upstream.addr.port}`, `localhost:${upstream.addr.port}`]);
    }, () => ({ upstream: new URL(base) }));
  } finally {
    await upstream.shutdown();
  }
});

Deno.test("proxy answers 502 saying what to do when an https upstream presents a CA certificate as its own", async () => {
  const tls = await certificates({ selfSignedCa: true });
  Deno.env.set("NODE_EXTRA_CA_CERTS", tls.caFile);
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: tls.cert, key: tls.key, onListen() {} },
    () => Response.json(COMPLETION),
  );
  try {
    await withRig(async ({ llmprof, nextCall }) => {
      const response = await postChat(llmprof.url);
      assertEquals(response.status, 502);
      const { error } = await response.json();
      assertStringIncludes(error.message, "is a CA certificate");
      assertStringIncludes(error.message, "basicConstraints CA:FALSE");
      assertEquals((await nextCall()).status, 502);
    }, () => ({ upstream: new URL(`https://localhost:${upstream.addr.port}`) }));
  } finally {
    Deno.env.delete("NODE_EXTRA_CA_CERTS");
    await upstream.shutdown();
  }
});

Deno.test("a TLS body that ends with the connection is read to its end when the peer closes without close_notify", async () => {
  const tls = await certificates();
  Deno.env.set("NODE_EXTRA_CA_CERTS", tls.caFile);
  const server = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: tls.cert, key: tls.key });
  const answer = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n${
    JSON.stringify(COMPLETION)
  }`;
  (async () => {
    for await (const conn of server) {
      (async () => {
        await conn.read(new Uint8Array(64 * 1024));
        await conn.write(new TextEncoder().encode(answer));
      })().catch(() => {});
    }
  })().catch(() => {});
  // A relay that closes the client's TCP connection without TLS's close_notify once the answer
  // has passed, as a load balancer does.
  const relay = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const down of relay) {
      (async () => {
        const up = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
        up.readable.pipeTo(down.writable).catch(() => {});
        const buffer = new Uint8Array(64 * 1024);
        for (let n = await down.read(buffer); n !== null; n = await down.read(buffer)) {
          await up.write(buffer.subarray(0, n));
        }
      })().catch(() => {});
      setTimeout(() => {
        try {
          down.close();
        } catch {
          // closed already
        }
      }, 300);
    }
  })().catch(() => {});
  try {
    await withRig(async ({ llmprof, nextCall }) => {
      const response = await postChat(llmprof.url);
      assertEquals(await response.json(), COMPLETION);
      const call = await nextCall();
      assertEquals(call.status, 200);
      assertEquals(call.error, null);
    }, () => ({ upstream: new URL(`https://localhost:${relay.addr.port}`) }));
  } finally {
    Deno.env.delete("NODE_EXTRA_CA_CERTS");
    relay.close();
    server.close();
  }
});
