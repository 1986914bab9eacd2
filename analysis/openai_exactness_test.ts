// Pins the prompt token counts that OpenAI's "How to count tokens with tiktoken" guide
// publishes for its worked examples, as the OpenAI API itself reported them.
import { assertEquals } from "../testing/assert.ts";
import { countSegments } from "./attribute.ts";
import { parseChatRequest } from "../formats/chat.ts";
import { encodingForModel, TokenCounter } from "./tokenizer.ts";

const JARGON_MESSAGES = [
  {
    role: "system",
    content:
      "You are a helpful, pattern-following assistant that translates corporate jargon into plain English.",
  },
  {
    role: "system",
    name: "example_user",
    content: "New synergies will help drive top-line growth.",
  },
  {
    role: "system",
    name: "example_assistant",
    content: "Things working well together will increase revenue.",
  },
  {
    role: "system",
    name: "example_user",
    content:
      "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
  },
  {
    role: "system",
    name: "example_assistant",
    content: "Let's talk later when we're less busy about how to do better.",
  },
  {
    role: "user",
    content:
      "This late pivot means we don't have time to boil the ocean for the client deliverable.",
  },
];

const WEATHER_TOOLS = [{
  type: "function",
  function: {
    name: "get_current_weather",
    description: "Get the current weather in a given location",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string", description: "The city and state, e.g. San Francisco, CA" },
        unit: {
          type: "string",
          description: "The unit of temperature to return",
          enum: ["celsius", "fahrenheit"],
        },
      },
      required: ["location"],
    },
  },
}];

const WEATHER_MESSAGES = [
  {
    role: "system",
    content: "You are a helpful assistant that can answer to questions about the weather.",
  },
  { role: "user", content: "What's the weather like in San Francisco?" },
];

function promptTokens(model: string, body: Record<string, unknown>): number {
  const { encoding } = encodingForModel(model, "openai");
  const parsed = parseChatRequest({ model, ...body }, encoding);
  const counts = countSegments(parsed.segments, new TokenCounter(encoding));
  return [...counts.components.values()].reduce((a, b) => a + b, 0);
}

for (
  const [model, expected] of [["gpt-3.5-turbo", 129], ["gpt-4-0613", 129], ["gpt-4", 129], [
    "gpt-4o",
    124,
  ], ["gpt-4o-mini", 124]] as const
) {
  Deno.test(`chat counting reproduces OpenAI's published ${expected} prompt tokens for ${model}`, () => {
    assertEquals(promptTokens(model, { messages: JARGON_MESSAGES }), expected);
  });
}

for (
  const [model, expected] of [["gpt-3.5-turbo", 105], ["gpt-4", 105], ["gpt-4o", 101], [
    "gpt-4o-mini",
    101,
  ]] as const
) {
  Deno.test(`chat counting with tools reproduces OpenAI's published ${expected} prompt tokens for ${model}`, () => {
    assertEquals(
      promptTokens(model, { messages: WEATHER_MESSAGES, tools: WEATHER_TOOLS }),
      expected,
    );
  });
}

Deno.test("encodingForModel picks tiktoken's encoding per model family", () => {
  const pick = (model: string, provider = "openai") => {
    const c = encodingForModel(model, provider);
    return `${c.encoding}${c.exact ? "" : " approx"}`;
  };
  assertEquals(pick("gpt-4o-2024-08-06"), "o200k_base");
  assertEquals(pick("gpt-4.1-mini"), "o200k_base");
  assertEquals(pick("gpt-4.5-preview"), "o200k_base");
  assertEquals(pick("gpt-5"), "o200k_base");
  assertEquals(pick("o3-mini"), "o200k_base");
  assertEquals(pick("openai/gpt-4o"), "o200k_base");
  assertEquals(pick("gpt-4-turbo"), "cl100k_base");
  assertEquals(pick("gpt-4-0613"), "cl100k_base");
  assertEquals(pick("gpt-3.5-turbo-0125"), "cl100k_base");
  assertEquals(pick("llama-3.1-70b"), "o200k_base approx");
  assertEquals(pick("claude-sonnet-4-6", "anthropic"), "o200k_base approx");
});
