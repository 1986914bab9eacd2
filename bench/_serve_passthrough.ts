// The floors for this runtime: the least a Deno proxy can do. With `--tap`, the least a
// capturing proxy can do: every response chunk passes through a JS stream, as capture needs.
const [upstream, mode] = Deno.args;
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  headers.delete("host");
  const response = await fetch(upstream + url.pathname + url.search, {
    method: request.method,
    headers,
    body: request.body,
  });
  if (mode !== "--tap" || response.body === null) return response;
  const chunks: Uint8Array[] = [];
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        chunks.push(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, response);
});
console.log(`http://127.0.0.1:${server.addr.port}`);
