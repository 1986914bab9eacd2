import { assertEquals } from "../testing/assert.ts";
import { matchEndpoint, pointsAtSelf, upstreamPrefix } from "./endpoints.ts";

const none = new Headers();

Deno.test("matchEndpoint recognises the three analysed APIs by suffix, with any prefix", () => {
  assertEquals(matchEndpoint("POST", "/v1/chat/completions", none).api, "chat.completions");
  assertEquals(matchEndpoint("POST", "/openai/v1/chat/completions/", none).api, "chat.completions");
  assertEquals(matchEndpoint("POST", "/v1/responses", none).api, "responses");
  const messages = matchEndpoint("POST", "/proxy/anthropic/v1/messages", none);
  assertEquals([messages.api, messages.provider, messages.upstream, messages.recognised], [
    "messages",
    "anthropic",
    "anthropic",
    true,
  ]);
});

Deno.test("matchEndpoint passes through other methods and paths", () => {
  assertEquals(matchEndpoint("GET", "/v1/chat/completions", none).api, "passthrough");
  assertEquals(matchEndpoint("POST", "/v1/messages/count_tokens", none).api, "passthrough");
  assertEquals(matchEndpoint("GET", "/v1/responses/resp_1", none).api, "passthrough");
  assertEquals(matchEndpoint("POST", "/v1/embeddings", none).upstream, "openai");
});

Deno.test("matchEndpoint sends Anthropic-keyed passthrough to the Anthropic upstream", () => {
  assertEquals(
    matchEndpoint("GET", "/v1/models", new Headers({ "x-api-key": "k" })).upstream,
    "anthropic",
  );
  assertEquals(
    matchEndpoint("GET", "/v1/models", new Headers({ "anthropic-version": "2023-06-01" })).upstream,
    "anthropic",
  );
  assertEquals(
    matchEndpoint("GET", "/v1/models", new Headers({ authorization: "Bearer k" })).upstream,
    "openai",
  );
});

Deno.test("upstream URLs keep the upstream's base path and the request's query", () => {
  assertEquals(
    upstreamPrefix(new URL("https://api.groq.com/openai")) + "/v1/chat/completions" + "?a=1",
    "https://api.groq.com/openai/v1/chat/completions?a=1",
  );
  assertEquals(
    upstreamPrefix(new URL("http://localhost:11434/")) + "/v1/models",
    "http://localhost:11434/v1/models",
  );
});

Deno.test("an upstream on llmprof's own address and port is recognised as a loop", () => {
  const listen = { host: "127.0.0.1", port: 4000 };
  for (const url of ["http://127.0.0.1:4000", "http://localhost:4000/v1", "http://[::1]:4000"]) {
    assertEquals(pointsAtSelf(new URL(url), listen), true, url);
  }
  for (const url of ["http://127.0.0.1:4001", "https://api.openai.com", "http://10.0.0.2:4000"]) {
    assertEquals(pointsAtSelf(new URL(url), listen), false, url);
  }
  assertEquals(pointsAtSelf(new URL("http://127.0.0.1:80"), { host: "0.0.0.0", port: 80 }), true);
  assertEquals(pointsAtSelf(new URL("http://10.0.0.2:80"), { host: "10.0.0.2", port: 80 }), true);
});

Deno.test("matchEndpoint recognises Gemini, Vertex AI and Azure OpenAI paths", () => {
  const route = (method: string, path: string, headers = none) => {
    const e = matchEndpoint(method, path, headers);
    return [e.api, e.provider, e.upstream];
  };
  assertEquals(route("POST", "/v1beta/models/gemini-2.5-flash:generateContent"), [
    "generateContent",
    "google",
    "gemini",
  ]);
  assertEquals(route("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent"), [
    "generateContent",
    "google",
    "gemini",
  ]);
  assertEquals(route("POST", "/v1beta/models/gemini-2.5-flash:countTokens"), [
    "passthrough",
    "google",
    "gemini",
  ]);
  assertEquals(route("GET", "/v1beta/models", new Headers({ "x-goog-api-key": "k" })), [
    "passthrough",
    "google",
    "gemini",
  ]);
  assertEquals(
    route(
      "POST",
      "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent",
    ),
    ["generateContent", "google", "vertex"],
  );
  assertEquals(
    route(
      "POST",
      "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict",
    ),
    ["messages", "anthropic", "vertex"],
  );
  assertEquals(
    route(
      "POST",
      "/v1/projects/p/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict",
    ),
    ["passthrough", "anthropic", "vertex"],
  );
  assertEquals(route("POST", "/openai/deployments/prod/chat/completions"), [
    "chat.completions",
    "azure",
    "azure",
  ]);
  assertEquals(route("POST", "/openai/responses"), ["responses", "azure", "azure"]);
  assertEquals(route("POST", "/openai/v1/responses", new Headers({ "api-key": "k" })), [
    "responses",
    "azure",
    "azure",
  ]);
  // Without Azure's key header, `/openai/v1/` is an OpenAI-compatible prefix as before.
  assertEquals(route("POST", "/openai/v1/chat/completions"), [
    "chat.completions",
    "openai",
    "openai",
  ]);
  assertEquals(route("GET", "/openai/deployments/prod/models"), ["passthrough", "azure", "azure"]);
});
