// llmprof's request path alone: routing, forwarding and capture exactly as `llmprof up` does
// them, with every captured call handed to a sink that drops it (no analysis, no store).
// The overhead benchmark sets it beside the full llmprof to split the cost in two.
import { createProxy } from "../proxy/mod.ts";

const [upstream] = Deno.args;
const proxy = createProxy({
  upstream: new URL(upstream),
  anthropicUpstream: new URL(upstream),
  sink: { submit: () => true },
  log: () => {},
});
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  (request) => proxy(request),
);
console.log(`http://127.0.0.1:${server.addr.port}`);
