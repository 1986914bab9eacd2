import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { assert, assertEquals } from "../testing/assert.ts";
import { withRig } from "./_harness.ts";

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
}];

/** Both clients of one SDK: straight to the fake upstream, and through llmprof. */
function openaiPair(fakeUrl: string, llmprofUrl: string) {
  return [fakeUrl, llmprofUrl].map((base) =>
    new OpenAI({ apiKey: "sk-test", baseURL: `${base}/v1`, maxRetries: 0 })
  );
}

function anthropicPair(fakeUrl: string, llmprofUrl: string) {
  return [fakeUrl, llmprofUrl].map((base) =>
    new Anthropic({ apiKey: "sk-ant-test", baseURL: base, maxRetries: 0 })
  );
}

function withoutIds<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(
      value,
      (k, v) => (k === "id" && typeof v === "string" && v.startsWith("resp_") ? "resp" : v),
    ),
  );
}

Deno.test("openai SDK chat completions give the same result through llmprof, streaming and not", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const [direct, proxied] = openaiPair(fake.url, llmprof.url);
    const params = {
      model: "gpt-4o",
      messages: [{ role: "user" as const, content: "Weather in Paris?" }],
      tools,
    };
    const plain = await Promise.all(
      [direct, proxied].map((c) => c.chat.completions.create(params)),
    );
    assertEquals(plain[1], plain[0]);
    assertEquals(plain[1].choices[0].message.tool_calls?.[0].type, "function");

    const streamed = await Promise.all([direct, proxied].map(async (c) => {
      const stream = await c.chat.completions.create({
        ...params,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    }));
    assertEquals(streamed[1], streamed[0]);
    assert((streamed[1].at(-1)?.usage?.prompt_tokens ?? 0) > 0, "the include_usage chunk arrives");

    const helper = await proxied.chat.completions.stream({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Hi" }],
    });
    assertEquals(
      (await helper.finalChatCompletion()).choices[0].message.content,
      "Hello from the fake upstream.",
    );
    assertEquals(
      [(await nextCall()).api, (await nextCall()).api, (await nextCall()).api],
      Array(3).fill("chat.completions"),
    );
  }));

Deno.test("openai SDK Responses give the same result through llmprof, streaming and not", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const [direct, proxied] = openaiPair(fake.url, llmprof.url);
    const params = { model: "gpt-5", instructions: "Be brief.", input: "Say hello" };
    const plain = await Promise.all([direct, proxied].map((c) => c.responses.create(params)));
    assertEquals(withoutIds(plain[1]), withoutIds(plain[0]));
    assertEquals(plain[1].output_text, "Hello from the fake upstream.");

    const events = await Promise.all([direct, proxied].map(async (c) => {
      const stream = await c.responses.create({ ...params, stream: true });
      const seen = [];
      for await (const event of stream) seen.push(event);
      return seen;
    }));
    assertEquals(withoutIds(events[1]), withoutIds(events[0]));
    assertEquals(events[1].at(-1)?.type, "response.completed");
    assertEquals((await nextCall()).api, "responses");
  }));

Deno.test("anthropic SDK messages give the same result through llmprof, streaming and not", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const [direct, proxied] = anthropicPair(fake.url, llmprof.url);
    const params = {
      model: "claude-sonnet-4-6",
      max_tokens: 2048,
      thinking: { type: "enabled" as const, budget_tokens: 1024 },
      tools: [{
        name: "get_weather",
        description: "Weather",
        input_schema: { type: "object" as const, properties: { city: { type: "string" } } },
      }],
      messages: [{ role: "user" as const, content: "Weather in Paris?" }],
    };
    const plain = await Promise.all([direct, proxied].map((c) => c.messages.create(params)));
    assertEquals(plain[1], plain[0]);
    assertEquals(plain[1].content.map((b) => b.type), ["thinking", "text", "tool_use"]);

    const finals = await Promise.all(
      [direct, proxied].map((c) => c.messages.stream(params).finalMessage()),
    );
    assertEquals(finals[1], finals[0]);
    const toolUse = finals[1].content.find((b) => b.type === "tool_use");
    assertEquals(toolUse?.type === "tool_use" ? toolUse.input : null, { city: "Paris" });
    const call = await nextCall();
    assertEquals([call.api, call.provider], ["messages", "anthropic"]);
    const key = call.requestHeaders["x-api-key"] ?? call.requestHeaders["authorization"];
    assertEquals(key, "[redacted]");
  }));

Deno.test("SDK errors from the upstream surface the same through llmprof", () =>
  withRig(async ({ fake, llmprof }) => {
    const [direct, proxied] = [fake.url, llmprof.url].map((base) =>
      new OpenAI({
        apiKey: "sk-test",
        baseURL: `${base}/v1`,
        maxRetries: 0,
        defaultHeaders: { "x-fake-behavior": "status-429" },
      })
    );
    const errors = await Promise.all(
      [direct, proxied].map((c) =>
        c.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] })
          .catch((e) => e)
      ),
    );
    assert(errors[1] instanceof OpenAI.RateLimitError);
    assertEquals(errors[1].message, errors[0].message);
  }));

Deno.test("SDK gets a readable error when llmprof cannot reach the upstream", async () => {
  const { startLlmprof } = await import("../server.ts");
  const { testConfig } = await import("./_harness.ts");
  const llmprof = await startLlmprof(testConfig("http://llmprof-test.invalid"), { log: () => {} });
  try {
    const client = new Anthropic({ apiKey: "k", baseURL: llmprof.url, maxRetries: 0 });
    const error = await client.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 5,
      messages: [{ role: "user", content: "Hi" }],
    })
      .catch((e) => e);
    assert(error instanceof Anthropic.InternalServerError);
    assert(
      String(error.message).includes(
        "llmprof could not reach the upstream http://llmprof-test.invalid/v1/messages",
      ),
    );
  } finally {
    await llmprof.shutdown();
  }
});
