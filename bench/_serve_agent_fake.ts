// The upstream of the agents benchmark, in its own process: every chat completions call is
// answered as a model streams, in `CHUNKS` SSE events `GAP_MS` apart, with usage at the end.
const CHUNKS = Number(Deno.args[0] ?? 50);
const GAP_MS = Number(Deno.args[1] ?? 20);
const encoder = new TextEncoder();

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
  const body = await request.text();
  // A rough prompt size for the usage event: a token is about four characters.
  const promptTokens = Math.round(body.length / 4);
  let sent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const next = () => {
        if (sent < CHUNKS) {
          const delta = {
            id: "chatcmpl-agent",
            object: "chat.completion.chunk",
            model: "gpt-4o",
            choices: [{ index: 0, delta: { content: `word${sent} ` }, finish_reason: null }],
          };
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(delta)}\n\n`));
          sent++;
          timer = setTimeout(next, GAP_MS);
          return;
        }
        const last = {
          id: "chatcmpl-agent",
          object: "chat.completion.chunk",
          model: "gpt-4o",
          choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: CHUNKS,
            total_tokens: promptTokens + CHUNKS,
          },
        };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(last)}\n\ndata: [DONE]\n\n`));
        controller.close();
      };
      next();
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream" } });
});
console.log(`http://127.0.0.1:${server.addr.port}`);
