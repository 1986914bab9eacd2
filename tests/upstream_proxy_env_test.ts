/** The upstream client goes through HTTP_PROXY as fetch did, and NO_PROXY exempts hosts. */
import { assertEquals } from "../testing/assert.ts";

Deno.test("proxy reaches its upstream through HTTP_PROXY, as fetch would", async () => {
  const seen: string[] = [];
  // A forward proxy: it gets each request in absolute form and answers for the upstream itself.
  const forward = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    seen.push(`${request.method} ${request.url}`);
    return Response.json({
      id: "chatcmpl-via-proxy",
      object: "chat.completion",
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    });
  });
  // Set before the server (and its upstream client) is loaded, as a user's environment is;
  // loopback calls stay direct.
  Deno.env.set("HTTP_PROXY", `http://127.0.0.1:${forward.addr.port}`);
  Deno.env.set("NO_PROXY", "127.0.0.1,localhost");
  const { chatBody, withRig } = await import("./_harness.ts");
  try {
    await withRig(async ({ llmprof, nextCall }) => {
      const response = await fetch(`${llmprof.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody(),
      });
      assertEquals((await response.json()).id, "chatcmpl-via-proxy");
      assertEquals((await nextCall()).status, 200);
      assertEquals(seen, ["POST http://upstream.example/v1/chat/completions"]);
    }, () => ({ upstream: new URL("http://upstream.example") }));
  } finally {
    Deno.env.delete("HTTP_PROXY");
    Deno.env.delete("NO_PROXY");
    await forward.shutdown();
  }
});
