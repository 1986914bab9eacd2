import { assertEquals } from "../tests/assert.ts";
import { matchRoute, upstreamUrl } from "./routes.ts";

const none = new Headers();

Deno.test("matchRoute recognises the three analysed APIs by suffix, with any prefix", () => {
  assertEquals(matchRoute("POST", "/v1/chat/completions", none).api, "chat.completions");
  assertEquals(matchRoute("POST", "/openai/v1/chat/completions/", none).api, "chat.completions");
  assertEquals(matchRoute("POST", "/v1/responses", none).api, "responses");
  const messages = matchRoute("POST", "/proxy/anthropic/v1/messages", none);
  assertEquals([messages.api, messages.provider, messages.upstream, messages.recognised], [
    "messages",
    "anthropic",
    "anthropic",
    true,
  ]);
});

Deno.test("matchRoute passes through other methods and paths", () => {
  assertEquals(matchRoute("GET", "/v1/chat/completions", none).api, "passthrough");
  assertEquals(matchRoute("POST", "/v1/messages/count_tokens", none).api, "passthrough");
  assertEquals(matchRoute("GET", "/v1/responses/resp_1", none).api, "passthrough");
  assertEquals(matchRoute("POST", "/v1/embeddings", none).upstream, "openai");
});

Deno.test("matchRoute sends Anthropic-keyed passthrough to the Anthropic upstream", () => {
  assertEquals(
    matchRoute("GET", "/v1/models", new Headers({ "x-api-key": "k" })).upstream,
    "anthropic",
  );
  assertEquals(
    matchRoute("GET", "/v1/models", new Headers({ "anthropic-version": "2023-06-01" })).upstream,
    "anthropic",
  );
  assertEquals(
    matchRoute("GET", "/v1/models", new Headers({ authorization: "Bearer k" })).upstream,
    "openai",
  );
});

Deno.test("upstreamUrl keeps the upstream's base path and the request's query", () => {
  assertEquals(
    upstreamUrl(new URL("https://api.groq.com/openai"), "/v1/chat/completions", "?a=1").href,
    "https://api.groq.com/openai/v1/chat/completions?a=1",
  );
  assertEquals(
    upstreamUrl(new URL("http://localhost:11434/"), "/v1/models", "").href,
    "http://localhost:11434/v1/models",
  );
});
