import { assertEquals } from "../testing/assert.ts";
import { REDACTED_FIELD, redactFields, redactJsonText, withoutText } from "./privacy.ts";

Deno.test("credential fields are redacted by name at any depth, inside JSON strings too", () => {
  const body = {
    model: "gpt-4o",
    max_tokens: 100,
    api_key: "k1",
    metadata: { Authorization: "Bearer k2", user: "ada" },
    messages: [{
      role: "assistant",
      tool_calls: [{ function: { arguments: JSON.stringify({ password: "k3", path: "/etc" }) } }],
    }],
    nested: [{ "client-secret": "k4", token: "k5", usage: { prompt_tokens: 3 } }],
  };
  assertEquals(redactFields(body), true);
  const text = JSON.stringify(body);
  for (const secret of ["k1", "k2", "k3", "k4", "k5"]) {
    assertEquals(text.includes(`"${secret}`), false);
  }
  assertEquals(body.max_tokens, 100);
  assertEquals(body.metadata.user, "ada");
  assertEquals(body.api_key, REDACTED_FIELD);
  assertEquals(JSON.parse(body.messages[0].tool_calls[0].function.arguments).path, "/etc");
  assertEquals(redactFields({ messages: [{ content: "my token is here" }] }), false);
});

Deno.test("a JSON text without credential fields comes back as the same string", () => {
  const text = '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}';
  assertEquals(redactJsonText(text), text);
  assertEquals(redactJsonText("not json {"), "not json {");
  assertEquals(JSON.parse(redactJsonText('{"x":{"secret":"s"}}')).x.secret, REDACTED_FIELD);
});

Deno.test("findings lose their quoted prompt text under metadata, and keep their figures", () => {
  const [finding] = withoutText([{
    kind: "cache_break",
    tokens: 900,
    usd: 0.01,
    detail: "cache break at system prompt, character 12: “at 10:00” became “at 10:05”; 900 tokens",
    change: {
      component: "system prompt",
      message: null,
      label: null,
      offset: 12,
      before: "at 10:00",
      after: "at 10:05",
    },
  }]);
  assertEquals(
    finding.detail,
    "cache break at system prompt, character 12: the text changed; 900 tokens",
  );
  assertEquals([finding.change?.before, finding.change?.after, finding.tokens], ["", "", 900]);
});
