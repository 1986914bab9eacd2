/** The upstream client goes through HTTP_PROXY and HTTPS_PROXY as fetch did, and NO_PROXY exempts hosts. */
import { assertEquals } from "../testing/assert.ts";
import { certificates } from "./_tls.ts";

const COMPLETION = {
  id: "chatcmpl-via-proxy",
  object: "chat.completion",
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
};

/**
 * A forward proxy on raw TCP: a request in absolute form it answers for the upstream itself;
 * a CONNECT it tunnels to `tunnelPort` on loopback, whatever host was asked for. It notes
 * each request line.
 */
function forwardProxy(tunnelPort: () => number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: string[] = [];
  const encoder = new TextEncoder();
  (async () => {
    for await (const conn of listener) {
      (async () => {
        const buffer = new Uint8Array(64 * 1024);
        let text = "";
        while (!text.includes("\r\n\r\n")) {
          const n = await conn.read(buffer);
          if (n === null) return conn.close();
          text += new TextDecoder().decode(buffer.subarray(0, n));
        }
        const line = text.slice(0, text.indexOf("\r\n"));
        const auth = /^proxy-authorization: (.*)$/im.exec(text)?.[1];
        seen.push(line.replace(/ HTTP\/1\.1$/, "") + (auth ? ` (${auth})` : ""));
        if (line.startsWith("CONNECT ")) {
          const target = await Deno.connect({ hostname: "127.0.0.1", port: tunnelPort() });
          await conn.write(encoder.encode("HTTP/1.1 200 Connection Established\r\n\r\n"));
          await Promise.all([
            conn.readable.pipeTo(target.writable),
            target.readable.pipeTo(conn.writable),
          ])
            .catch(() => {});
          return;
        }
        const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? 0);
        while (new TextEncoder().encode(text).length - text.indexOf("\r\n\r\n") - 4 < length) {
          const n = await conn.read(buffer);
          if (n === null) break;
          text += new TextDecoder().decode(buffer.subarray(0, n));
        }
        const body = JSON.stringify(COMPLETION);
        await conn.write(encoder.encode(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
        ));
        conn.close();
      })().catch(() => {});
    }
  })().catch(() => {});
  return { port: listener.addr.port, seen, close: () => listener.close() };
}

let tlsPort = 0;
const forward = forwardProxy(() => tlsPort);

// Set before the server (and its upstream client) is loaded and sends its first request, as a
// user's environment is; loopback calls stay direct. Both tests share this process's settings.
Deno.env.set("HTTP_PROXY", `http://127.0.0.1:${forward.port}`);
Deno.env.set("HTTPS_PROXY", `http://user:secret@127.0.0.1:${forward.port}`);
Deno.env.set("NO_PROXY", "127.0.0.1,localhost");
const { postChat, withRig } = await import("./_harness.ts");

Deno.test("proxy reaches its upstream through HTTP_PROXY, as fetch would", async () => {
  forward.seen.length = 0;
  await withRig(async ({ llmprof, nextCall }) => {
    const response = await postChat(llmprof.url);
    assertEquals((await response.json()).id, "chatcmpl-via-proxy");
    assertEquals((await nextCall()).status, 200);
    assertEquals(forward.seen, ["POST http://upstream.example/v1/chat/completions"]);
  }, () => ({ upstream: new URL("http://upstream.example") }));
});

Deno.test("proxy reaches an https upstream through an HTTPS_PROXY tunnel, TLS end to end", async () => {
  forward.seen.length = 0;
  const tls = await certificates();
  Deno.env.set("NODE_EXTRA_CA_CERTS", tls.caFile);
  const hosts: string[] = [];
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: tls.cert, key: tls.key, onListen() {} },
    (request) => {
      hosts.push(request.headers.get("host") ?? "");
      return Response.json({ ...COMPLETION, id: "chatcmpl-tunnelled" });
    },
  );
  tlsPort = upstream.addr.port;
  try {
    await withRig(async ({ llmprof, nextCall }) => {
      for (let i = 0; i < 2; i++) {
        const response = await postChat(llmprof.url);
        assertEquals((await response.json()).id, "chatcmpl-tunnelled");
        assertEquals((await nextCall()).status, 200);
      }
      // One tunnel, kept alive for the second call, to the default port named as CONNECT
      // must name it; the proxy never saw the request itself.
      assertEquals(forward.seen, [
        `CONNECT upstream.example:443 (Basic ${btoa("user:secret")})`,
      ]);
      assertEquals(hosts, ["upstream.example", "upstream.example"]);
    }, () => ({ upstream: new URL("https://upstream.example") }));
  } finally {
    Deno.env.delete("NODE_EXTRA_CA_CERTS");
    await upstream.shutdown();
  }
});

// The environment is put back for the files that run after this one.
globalThis.addEventListener("unload", () => {
  for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]) Deno.env.delete(name);
  forward.close();
});
