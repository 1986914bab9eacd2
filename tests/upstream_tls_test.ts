/** The proxy's own HTTP client talks TLS to an https upstream, trusting a CA it is given. */
import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { chatBody, readTimed, withRig } from "./_harness.ts";
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
      const plain = await fetch(`${llmprof.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody(),
      });
      assertEquals(await plain.json(), COMPLETION);
      assertEquals((await nextCall()).status, 200);
      const streamed = await fetch(`${llmprof.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody({ stream: true }),
      });
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
      const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody(),
      });
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
