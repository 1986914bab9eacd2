import { assert, assertEquals } from "../testing/assert.ts";
import { capturedCall } from "../testing/captured.ts";
import { analyzeCall } from "../analysis/analyze.ts";
import { chainKeys } from "../analysis/chain_keys.ts";
import { geminiFormat, parseGeminiRequest, parseGeminiResponse } from "./gemini.ts";
import { geminiMediaTokens } from "./images.ts";
import { pathFacts } from "./path.ts";

const encoder = new TextEncoder();
const PATH = "/v1beta/models/gemini-2.5-pro:generateContent";

function png(width: number, height: number): string {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return btoa(String.fromCharCode(...b));
}

const request = {
  systemInstruction: { parts: [{ text: "You are terse." }] },
  contents: [
    {
      role: "user",
      parts: [{ text: "Weather in Paris?" }, {
        inlineData: { mimeType: "image/png", data: png(1000, 500) },
      }],
    },
    { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] },
    {
      role: "user",
      parts: [{ functionResponse: { name: "get_weather", response: { temperature: 21 } } }],
    },
    {
      role: "user",
      parts: [{ fileData: { mimeType: "application/pdf", fileUri: "gs://b/f.pdf" } }],
    },
  ],
  tools: [
    {
      functionDeclarations: [{ name: "get_weather", parameters: { type: "object" } }, {
        name: "get_time",
      }],
    },
    { googleSearch: {} },
  ],
};

function response(usage: Record<string, number>, text = "Sunny.") {
  return {
    candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: usage,
    modelVersion: "gemini-2.5-pro",
    responseId: "r1",
  };
}

Deno.test("a Gemini request splits into system, user, tool calls, tool results, media and one schema per tool", () => {
  const parsed = parseGeminiRequest(request);
  const by = (component: string) => parsed.segments.filter((s) => s.component === component);
  assertEquals(by("system prompt").map((s) => s.text), ["You are terse."]);
  assertEquals(by("user input").map((s) => s.text), ["Weather in Paris?"]);
  assertEquals(by("tool calls").map((s) => s.label), ["get_weather", "get_weather"]);
  assertEquals(by("tool results").map((s) => s.label), ["get_weather"]);
  assertEquals(by("tool schemas").map((s) => s.label), ["get_weather", "get_time", "googleSearch"]);
  // 1000×500 is 2×1 tiles of 768 pixels, 258 tokens each; a PDF by URI is one estimated page.
  assertEquals(by("images & files").map((s) => s.tokens), [516, 258]);
  assertEquals(parsed.notes, ["a application/pdf part given by URI was estimated"]);
  assertEquals(by("user input")[0].message, 0);
});

Deno.test("Google's media formulas: 258 tokens up to 384 pixels, then per 768-pixel tile", () => {
  assertEquals(geminiMediaTokens("image/png", { width: 384, height: 384 }, null).tokens, 258);
  assertEquals(geminiMediaTokens("image/png", { width: 385, height: 200 }, null).tokens, 258);
  assertEquals(geminiMediaTokens("image/jpeg", { width: 1600, height: 1600 }, null).tokens, 2322);
  assertEquals(geminiMediaTokens("image/png", null, 1000), { tokens: 258, estimated: true });
  assertEquals(geminiMediaTokens("application/pdf", null, 150_000).tokens, 774);
  assertEquals(geminiMediaTokens("audio/mp3", null, 160_000).tokens, 320);
});

Deno.test("usageMetadata counts cached content in the prompt and thoughts in the output", () => {
  const { usage, summary, model } = parseGeminiResponse(
    encoder.encode(JSON.stringify(response({
      promptTokenCount: 1000,
      cachedContentTokenCount: 600,
      candidatesTokenCount: 40,
      thoughtsTokenCount: 60,
      toolUsePromptTokenCount: 20,
      totalTokenCount: 1120,
    }))),
    false,
  );
  assertEquals(usage, {
    input_tokens: 1020,
    output_tokens: 100,
    cache_read_tokens: 600,
    cache_write_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: 60,
    source: "provider",
  });
  assertEquals([summary.text, summary.stop_reason, summary.complete, model], [
    "Sunny.",
    "STOP",
    true,
    "gemini-2.5-pro",
  ]);
});

Deno.test("a streamed Gemini response is read from SSE and from a JSON array, even cut short", () => {
  const chunks = [
    { candidates: [{ content: { role: "model", parts: [{ text: "Thinking.", thought: true }] } }] },
    {
      candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] } }],
      usageMetadata: { promptTokenCount: 9 },
    },
    {
      candidates: [{ content: { role: "model", parts: [{ text: "lo" }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 2 },
    },
  ];
  const sse = chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join("");
  const fromSse = parseGeminiResponse(encoder.encode(sse), true);
  assertEquals([fromSse.summary.text, fromSse.summary.thinking, fromSse.usage?.output_tokens], [
    "Hello",
    "Thinking.",
    2,
  ]);
  const array = "[" + chunks.map((c) => JSON.stringify(c, null, 2)).join(",\r\n") + "]";
  const fromArray = parseGeminiResponse(encoder.encode(array), false);
  assertEquals(fromArray.summary, fromSse.summary);
  const cut = parseGeminiResponse(
    encoder.encode(array.slice(0, array.lastIndexOf("{") - 3)),
    false,
  );
  assertEquals([cut.summary.text, cut.summary.complete, cut.usage?.input_tokens], [
    "Hel",
    false,
    9,
  ]);
});

Deno.test("the model and stream flag come from a Gemini, Vertex or Azure path", () => {
  assertEquals(pathFacts("/v1beta/models/gemini-2.5-flash:streamGenerateContent"), {
    model: "gemini-2.5-flash",
    stream: true,
  });
  assertEquals(
    pathFacts(
      "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4%4020250514:rawPredict",
    ),
    { model: "claude-sonnet-4@20250514", stream: false },
  );
  assertEquals(pathFacts("/openai/deployments/prod-4o/chat/completions"), {
    model: "prod-4o",
    stream: false,
  });
  assertEquals(pathFacts("/v1/chat/completions"), { model: null, stream: false });
});

Deno.test("a Gemini call is reconciled to promptTokenCount and priced at the long-context tier", () => {
  const small = analyzeCall(capturedCall(
    "generateContent",
    request,
    response({
      promptTokenCount: 5000,
      candidatesTokenCount: 1000,
    }),
    { path: PATH, provider: "google" },
  )).record;
  assertEquals(small.model, "gemini-2.5-pro");
  assertEquals(small.attribution?.method, "approximate");
  assertEquals(small.attribution?.components.reduce((n, c) => n + c.tokens, 0), 5000);
  assertEquals(small.cost?.total_usd?.toFixed(6), (5000 * 1.25e-6 + 1000 * 10e-6).toFixed(6));
  const large = analyzeCall(capturedCall(
    "generateContent",
    request,
    response({
      promptTokenCount: 300_000,
      cachedContentTokenCount: 100_000,
      candidatesTokenCount: 1000,
    }),
    { path: PATH, provider: "google" },
  )).record;
  // Above 200k tokens every rate is the long-context one; cache reads at their own rate.
  assertEquals(
    large.cost?.total_usd?.toFixed(6),
    (200_000 * 2.5e-6 + 100_000 * 0.25e-6 + 1000 * 15e-6).toFixed(6),
  );
});

Deno.test("cachedContent held upstream is attributed from cachedContentTokenCount", () => {
  const { record } = analyzeCall(capturedCall(
    "generateContent",
    {
      cachedContent: "cachedContents/abc",
      contents: [{ role: "user", parts: [{ text: "Go on" }] }],
    },
    response({ promptTokenCount: 2010, cachedContentTokenCount: 2000, candidatesTokenCount: 3 }),
    { path: PATH, provider: "google" },
  ));
  const system = record.attribution?.tree.children.find((c) => c.name === "system prompt");
  assert((system?.tokens ?? 0) > 1900, "the cached content is most of the prompt");
  assert(record.attribution?.notes.some((n) => n.includes("cachedContents/abc")));
});

Deno.test("Gemini turns chain: each turn's prefix hashes extend the previous turn's", () => {
  const one = { ...request, contents: request.contents.slice(0, 1) };
  const two = { ...request, contents: request.contents.slice(0, 3) };
  const a = chainKeys("generateContent", one);
  const b = chainKeys("generateContent", two);
  assertEquals(b.prefixes[0], a.prefixes[0]);
  const other = chainKeys("generateContent", {
    ...one,
    systemInstruction: { parts: [{ text: "x" }] },
  });
  assert(other.prefixes[0] !== a.prefixes[0], "a different system instruction is another context");
});

Deno.test("a Gemini request splits into its system instruction, each content and each function declaration, and joins back exactly", () => {
  const body = {
    systemInstruction: { parts: [{ text: "You are a careful agent." }] },
    tools: [{
      functionDeclarations: [
        { name: "read_file", description: "Reads a file", parameters: { type: "object" } },
        { name: "list_dir", description: "Lists a folder", parameters: { type: "object" } },
      ],
    }],
    contents: [
      { role: "user", parts: [{ text: "What does a.ts export?" }] },
      { role: "model", parts: [{ functionCall: { name: "read_file", args: { path: "a.ts" } } }] },
      {
        role: "user",
        parts: [{ functionResponse: { name: "read_file", response: { text: "export {}" } } }],
      },
    ],
  };
  const text = JSON.stringify(body, null, 1);
  const pieces = geminiFormat.splitBlocks(text, body);
  assertEquals(pieces.map((p) => p.text).join(""), text);
  assertEquals(
    pieces.filter((p) => p.kind !== null).map((p) => `${p.kind}:${p.label}`),
    [
      "system prompt:null",
      "tool schemas:read_file",
      "tool schemas:list_dir",
      "user input:user",
      "tool calls:read_file",
      "tool results:read_file",
    ],
  );
});
