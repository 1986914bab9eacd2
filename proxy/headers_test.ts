import { assertEquals } from "../testing/assert.ts";
import { requestHeadersForUpstream, responseHeadersForClient } from "./headers.ts";

Deno.test("requestHeadersForUpstream drops hop-by-hop headers, those named in Connection, Host and Content-Length", () => {
  const out = requestHeadersForUpstream(
    new Headers({
      host: "localhost:4000",
      connection: "keep-alive, x-private",
      "x-private": "1",
      "transfer-encoding": "chunked",
      "content-length": "10",
      te: "trailers",
      authorization: "Bearer k",
      "x-custom": "kept",
    }),
  );
  assertEquals(Object.fromEntries(out), { authorization: "Bearer k", "x-custom": "kept" });
});

Deno.test("responseHeadersForClient keeps an encoded body's encoding headers, for the body passes as it came", () => {
  const gz = responseHeadersForClient(
    new Headers({ "content-encoding": "gzip", "content-length": "36", "x-request-id": "r" }),
  );
  assertEquals(Object.fromEntries(gz), {
    "content-encoding": "gzip",
    "content-length": "36",
    "x-request-id": "r",
  });
});

Deno.test("forwarded headers keep every Set-Cookie and all other repeated values", () => {
  const upstream = new Headers([["set-cookie", "a=1"], ["set-cookie", "b=2"], ["vary", "x"]]);
  upstream.append("vary", "y");
  assertEquals(responseHeadersForClient(upstream), [
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["vary", "x, y"],
  ]);
});

Deno.test("responseHeadersForClient sets a header in place of the upstream's own", () => {
  const upstream = new Headers({ "x-llmprof-call-id": "theirs", "x-request-id": "r" });
  assertEquals(responseHeadersForClient(upstream, ["x-llmprof-call-id", "ours"]), [
    ["x-request-id", "r"],
    ["x-llmprof-call-id", "ours"],
  ]);
});
