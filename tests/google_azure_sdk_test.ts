import { FunctionCallingConfigMode, GoogleGenAI, type Part, type Tool } from "@google/genai";
import { AzureOpenAI } from "openai";
import { assert, assertEquals } from "../testing/assert.ts";
import { withRig } from "./_harness.ts";
import { AZURE_MODEL } from "./fake_upstream.ts";

const tools: Tool[] = [{
  functionDeclarations: [{
    name: "get_weather",
    description: "Weather for a city",
    parametersJsonSchema: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
    },
  }, {
    name: "get_time",
    description: "Local time in a city",
    parametersJsonSchema: { type: "object", properties: { city: { type: "string" } } },
  }],
}];

/** The Google GenAI client straight to the fake upstream, and through llmprof. */
function genaiPair(fakeUrl: string, llmprofUrl: string, vertexai = false) {
  return [fakeUrl, llmprofUrl].map((baseUrl) =>
    new GoogleGenAI({ apiKey: "AIza-test-key", vertexai, httpOptions: { baseUrl } })
  );
}

/** A response without the HTTP details the SDK attaches (date, llmprof's call id). */
function bare<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (k, v) => (k === "sdkHttpResponse" ? undefined : v)));
}

Deno.test("Google GenAI SDK generateContent gives the same result through llmprof, in a function-calling loop", () =>
  withRig(async ({ fake, llmprof, nextRecord }) => {
    const clients = genaiPair(fake.url, llmprof.url);
    const loops = await Promise.all(clients.map(async (ai) => {
      const config = {
        systemInstruction: "You answer questions about the weather.",
        tools,
        toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } },
      };
      const history = [{ role: "user", parts: [{ text: "Weather in Paris?" }] as Part[] }];
      const first = await ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: history,
        config,
      });
      const call = first.functionCalls?.[0];
      assert(call, "the model asks for a function call");
      history.push({ role: "model", parts: first.candidates![0].content!.parts! });
      history.push({
        role: "user",
        parts: [{ functionResponse: { name: call.name, response: { temperature: 21 } } }],
      });
      const second = await ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: history,
        config,
      });
      return [bare(first), bare(second)];
    }));
    assertEquals(loops[1], loops[0]);
    assertEquals(
      loops[1][1].candidates?.[0].content?.parts?.[0].text,
      "Hello from the fake upstream.",
    );

    const first = (await nextRecord()).record;
    const second = (await nextRecord()).record;
    assertEquals([first.api, first.provider, first.model, first.stream], [
      "generateContent",
      "google",
      "gemini-2.5-flash",
      false,
    ]);
    assertEquals(first.response?.tool_calls.map((c) => c.name), ["get_weather"]);
    assertEquals(first.attribution?.method, "approximate");
    const schemas = first.attribution?.tree.children.find((c) => c.name === "tool schemas");
    assertEquals(schemas?.children.map((c) => c.name).sort(), ["get_time", "get_weather"]);
    assertEquals(
      first.attribution?.components.reduce((n, c) => n + c.tokens, 0),
      first.usage?.input_tokens,
      "counts are reconciled to promptTokenCount",
    );
    assert(first.cost?.priced, "Gemini 2.5 Flash has a price");
    assertEquals(first.cost?.price_source?.endsWith("google/gemini-2.5-flash"), true);
    const components = new Map(second.attribution?.components.map((c) => [c.name, c.tokens]));
    assert((components.get("tool calls") ?? 0) > 0, "the function call is history");
    assert((components.get("tool results") ?? 0) > 0, "the function response is a tool result");
    assert((components.get("system prompt") ?? 0) > 0, "systemInstruction is the system prompt");
    assertEquals(
      second.session?.id,
      first.session?.id,
      "the second turn chains into the first's run",
    );
    assertEquals([second.session?.turn, second.session?.source], [2, "chain"]);
    assertEquals(JSON.stringify(second).includes("AIza-test-key"), false, "the key is not stored");
  }, () => ({ analyse: true })));

Deno.test("Google GenAI SDK streaming gives the same chunks through llmprof, and usage from the last", () =>
  withRig(async ({ fake, llmprof, nextRecord }) => {
    const clients = genaiPair(fake.url, llmprof.url);
    const streamed = await Promise.all(clients.map(async (ai) => {
      const stream = await ai.models.generateContentStream({
        model: "gemini-2.5-pro",
        contents: "Say hello",
        config: { thinkingConfig: { includeThoughts: true } },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(bare(chunk));
      return chunks;
    }));
    assertEquals(streamed[1], streamed[0]);
    assertEquals(fake.requests.at(-1)?.search, "?alt=sse");
    const { record } = await nextRecord();
    assertEquals([record.api, record.model, record.stream], [
      "generateContent",
      "gemini-2.5-pro",
      true,
    ]);
    assertEquals(record.response?.text, "Hello from the fake upstream.");
    assertEquals(record.response?.thinking, "Thinking it over.");
    assertEquals(record.response?.complete, true);
    const last = streamed[1].at(-1)!.usageMetadata!;
    assertEquals(record.usage?.input_tokens, last.promptTokenCount);
    assertEquals(
      record.usage?.output_tokens,
      last.candidatesTokenCount! + last.thoughtsTokenCount!,
    );
    assertEquals(record.usage?.reasoning_tokens, last.thoughtsTokenCount);
  }, () => ({ analyse: true })));

Deno.test("Google GenAI SDK countTokens passes through to the Gemini upstream", () =>
  withRig(async ({ fake, llmprof, nextCall }) => {
    const [direct, proxied] = genaiPair(fake.url, llmprof.url);
    const counted = await Promise.all(
      [direct, proxied].map(async (ai) =>
        bare(await ai.models.countTokens({ model: "gemini-2.5-flash", contents: "Hello there" }))
      ),
    );
    assertEquals(counted[1], counted[0]);
    const call = await nextCall();
    assertEquals([call.api, call.provider], ["passthrough", "google"]);
    assertEquals(call.requestHeaders["x-goog-api-key"], "[redacted]");
    await (await fetch(`${llmprof.url}/v1beta/models/gemini-2.5-flash:countTokens?key=AIza-q`, {
      method: "POST",
      body: JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] }),
    })).text();
    const keyed = await nextCall();
    assertEquals([keyed.provider, keyed.status], ["google", 200]);
    assertEquals(keyed.query.includes("AIza-q"), false, `the ?key= is redacted: ${keyed.query}`);
  }));

Deno.test("Google GenAI SDK on Vertex AI is profiled as the same format", () =>
  withRig(async ({ fake, llmprof, nextRecord }) => {
    const clients = genaiPair(fake.url, llmprof.url, true);
    const replies = await Promise.all(
      clients.map(async (ai) =>
        bare(await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "Hi" }))
      ),
    );
    assertEquals(replies[1], replies[0]);
    const { record } = await nextRecord();
    assert(fake.requests.at(-1)?.path.includes("/publishers/google/models/"), "a Vertex path");
    assertEquals([record.api, record.provider, record.model], [
      "generateContent",
      "google",
      "gemini-2.5-flash",
    ]);
  }, () => ({ analyse: true })));

Deno.test("Anthropic on Vertex AI rawPredict and streamRawPredict are parsed as messages", () =>
  withRig(async ({ llmprof, nextRecord }) => {
    const path =
      "/v1/projects/demo/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514";
    for (const stream of [false, true]) {
      const response = await fetch(
        `${llmprof.url}${path}:${stream ? "streamRawPredict" : "rawPredict"}`,
        {
          method: "POST",
          headers: { authorization: "Bearer ya29.test", "content-type": "application/json" },
          body: JSON.stringify({
            anthropic_version: "vertex-2023-10-16",
            max_tokens: 64,
            stream,
            messages: [{ role: "user", content: "Hello" }],
          }),
        },
      );
      await response.text();
      const { record } = await nextRecord();
      assertEquals([record.api, record.provider, record.model, record.stream], [
        "messages",
        "anthropic",
        "claude-sonnet-4@20250514",
        stream,
      ]);
      assertEquals(record.response?.text, "Hello from the fake upstream.");
      assert(record.cost?.priced, "Claude on Vertex is priced");
    }
  }, () => ({ analyse: true })));

/** The AzureOpenAI client straight to the fake upstream, and through llmprof. */
function azurePair(fakeUrl: string, llmprofUrl: string) {
  return [fakeUrl, llmprofUrl].map((endpoint) =>
    new AzureOpenAI({
      endpoint,
      apiKey: "azure-test-key",
      apiVersion: "2024-10-21",
      deployment: "prod-chat",
      maxRetries: 0,
    })
  );
}

Deno.test("AzureOpenAI client chat completions give the same result through llmprof, priced as the deployment's model", () =>
  withRig(async ({ fake, llmprof, nextRecord }) => {
    const clients = azurePair(fake.url, llmprof.url);
    const params = { model: "prod-chat", messages: [{ role: "user" as const, content: "Hi" }] };
    const plain = await Promise.all(clients.map((c) => c.chat.completions.create(params)));
    assertEquals(plain[1], plain[0]);
    const streamed = await Promise.all(clients.map(async (c) => {
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
    const seen = fake.requests.at(-1)!;
    assertEquals(seen.path, "/openai/deployments/prod-chat/chat/completions");
    assertEquals(seen.headers["api-key"], "azure-test-key", "the key reaches the upstream");
    for (const stream of [false, true]) {
      const { record } = await nextRecord();
      assertEquals([record.api, record.provider, record.model, record.stream], [
        "chat.completions",
        "azure",
        AZURE_MODEL,
        stream,
      ]);
      assert(record.cost?.priced, "the deployment's model has a price");
      assertEquals(JSON.stringify(record).includes("azure-test-key"), false);
    }
  }, () => ({ analyse: true })));

Deno.test("AzureOpenAI client Responses give the same result through llmprof", () =>
  withRig(async ({ fake, llmprof, nextRecord }) => {
    const clients = azurePair(fake.url, llmprof.url);
    const replies = await Promise.all(clients.map(async (c) => {
      const r = await c.responses.create({ model: "prod-chat", input: "Hi" });
      return { ...r, id: "resp" };
    }));
    assertEquals(replies[1], replies[0]);
    assert(fake.requests.at(-1)!.path.endsWith("/openai/responses"), fake.requests.at(-1)!.path);
    const { record } = await nextRecord();
    assertEquals([record.api, record.provider, record.model], ["responses", "azure", AZURE_MODEL]);
  }, () => ({ analyse: true })));

Deno.test("streamGenerateContent without alt=sse (a streamed JSON array) passes through byte for byte and is analysed", () =>
  withRig(async ({ fake, llmprof, nextRecord }) => {
    const path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=AIza-query-key";
    const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Say hello" }] }] });
    const [direct, proxied] = await Promise.all([fake.url, llmprof.url].map(async (base) => {
      const response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      return await response.text();
    }));
    assertEquals(proxied, direct);
    assert(proxied.startsWith("["), "a JSON array");
    const { record } = await nextRecord();
    assertEquals([record.api, record.model, record.stream], [
      "generateContent",
      "gemini-2.5-flash",
      true,
    ]);
    assertEquals([record.response?.text, record.response?.complete], [
      "Hello from the fake upstream.",
      true,
    ]);
    assertEquals(record.usage?.output_tokens, 5);
  }, () => ({ analyse: true })));
