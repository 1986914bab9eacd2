import { assertEquals } from "../testing/assert.ts";
import { redactDbUrl, redactHeaders, redactQuery, redactUrl } from "./redact.ts";

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
Deno.test("redactDbUrl hides the password", () => {
  assertEquals(
    redactDbUrl("postgres://app:s3cret@db:5432/llmprof"),
    "postgres://app:***@db:5432/llmprof",
  );
  assertEquals(redactDbUrl("sqlite:/tmp/x.db"), "sqlite:/tmp/x.db");
});
