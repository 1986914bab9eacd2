import { assertEquals } from "../tests/assert.ts";
import {
  redactHeaders,
  redactQuery,
  redactUrl,
  requestHeadersForUpstream,
  responseHeadersForClient,
} from "./headers.ts";

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

Deno.test("responseHeadersForClient drops encoding headers only for bodies fetch has decoded", () => {
  const gz = responseHeadersForClient(
    new Headers({ "content-encoding": "gzip", "content-length": "36", "x-request-id": "r" }),
  );
  assertEquals(Object.fromEntries(gz), { "x-request-id": "r" });
  const zstd = responseHeadersForClient(
    new Headers({ "content-encoding": "zstd", "content-length": "36" }),
  );
  assertEquals(Object.fromEntries(zstd), { "content-encoding": "zstd", "content-length": "36" });
});

Deno.test("redactHeaders hides every key-bearing header", () => {
  const out = redactHeaders(
    new Headers({
      authorization: "Bearer sk-1",
      "x-api-key": "sk-2",
      "api-key": "sk-3",
      "x-goog-api-key": "sk-4",
      "x-custom-token": "t",
      cookie: "c",
      "content-type": "application/json",
    }),
  );
  assertEquals(out["content-type"], "application/json");
  for (
    const name of [
      "authorization",
      "x-api-key",
      "api-key",
      "x-goog-api-key",
      "x-custom-token",
      "cookie",
    ]
  ) {
    assertEquals(out[name], "[redacted]", name);
  }
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

Deno.test("redactHeaders takes header pairs as well as Headers", () => {
  assertEquals(redactHeaders([["x-api-key", "sk-1"], ["accept", "*/*"]]), {
    "x-api-key": "[redacted]",
    accept: "*/*",
  });
});

Deno.test("redactQuery and redactUrl hide key parameters and credentials", () => {
  assertEquals(redactQuery(""), "");
  assertEquals(redactQuery("?key=abc&alt=sse"), "?key=%5Bredacted%5D&alt=sse");
  assertEquals(redactQuery("?api_key=abc"), "?api_key=%5Bredacted%5D");
  assertEquals(
    redactUrl(new URL("https://u:p@host/v1?key=abc")),
    "https://host/v1?key=%5Bredacted%5D",
  );
});
