/** The proxy's own HTTP client talks TLS to an https upstream, trusting a CA it is given. */
import { assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { chatBody, readTimed, withRig } from "./_harness.ts";

/** A self-signed certificate for localhost, made with openssl in a temporary folder. */
async function selfSigned(): Promise<{ certFile: string; cert: string; key: string }> {
  const dir = await Deno.makeTempDir({ prefix: "llmprof-tls-" });
  const made = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!made.success) {
    throw new Error(
      `openssl could not make a test certificate: ${new TextDecoder().decode(made.stderr)}`,
    );
  }
  return {
    certFile: `${dir}/cert.pem`,
    cert: await Deno.readTextFile(`${dir}/cert.pem`),
    key: await Deno.readTextFile(`${dir}/key.pem`),
  };
}

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
  const tls = await selfSigned();
  // Read when the first TLS connection is made: this file runs in a process of its own.
  Deno.env.set("NODE_EXTRA_CA_CERTS", tls.certFile);
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
