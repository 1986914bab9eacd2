import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { curlCommand, keyVariable, requestJson } from "./curl.ts";

const BODY = JSON.stringify({
  model: "gpt-4o",
  messages: [{ role: "user", content: "it's $HOME" }],
});

Deno.test("copy as curl names the key as a variable by provider, never a value", () => {
  const openai = curlCommand({ provider: "openai", path: "/v1/chat/completions", request: BODY }, {
    origin: "http://127.0.0.1:4000",
  });
  assert(openai.startsWith("curl 'http://127.0.0.1:4000/v1/chat/completions' \\\n"), openai);
  assertStringIncludes(openai, '-H "Authorization: Bearer $OPENAI_API_KEY"');
  const anthropic = curlCommand({ provider: "anthropic", path: "/v1/messages", request: BODY }, {
    origin: "http://x",
  });
  assertStringIncludes(anthropic, '-H "x-api-key: $ANTHROPIC_API_KEY"');
  assertStringIncludes(anthropic, '-H "anthropic-version: 2023-06-01"');
  assertEquals(keyVariable("google"), "GEMINI_API_KEY");
  assertEquals(keyVariable("azure"), "AZURE_OPENAI_API_KEY");
});

Deno.test("copy as curl sends the stored body untouched by the shell, in a quoted here-document", () => {
  const cmd = curlCommand({ provider: "openai", path: "/v1/chat/completions", request: BODY }, {
    origin: "http://x",
  });
  const lines = cmd.split("\n");
  assertEquals(lines.at(-1), "LLMPROF_BODY");
  assertStringIncludes(cmd, "--data-binary @- <<'LLMPROF_BODY'");
  const body = cmd.slice(cmd.indexOf("'LLMPROF_BODY'\n") + 15, cmd.lastIndexOf("\nLLMPROF_BODY"));
  assertEquals(JSON.parse(body), JSON.parse(BODY));
  // A body holding the terminator's line gets a longer one.
  const tricky = curlCommand({ provider: "unknown", path: "/x'y", request: "a\nLLMPROF_BODY\nb" }, {
    origin: "http://x",
  });
  assertEquals(tricky.split("\n").at(-1), "LLMPROF_BODY_");
  assertStringIncludes(tricky, "curl 'http://x/x'\\''y'");
});

Deno.test("the downloaded request is the stored JSON pretty-printed, or the text as it was", () => {
  assertEquals(JSON.parse(requestJson(BODY)), JSON.parse(BODY));
  assertStringIncludes(requestJson(BODY), '\n  "model": "gpt-4o"');
  assertEquals(requestJson("not json"), "not json");
});
