import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { capturedCall } from "../testing/captured.ts";
import { analyzeCall, newCounters } from "./analyze.ts";
import type { CallRecord } from "../core/record.ts";

function tokensOf(record: CallRecord, name: string): number {
  return record.attribution!.components.find((c) => c.name === name)!.tokens;
}

function sse(events: Array<[string | null, unknown]>): string {
  return events.map(([event, data]) =>
    `${event ? `event: ${event}\n` : ""}data: ${
      typeof data === "string" ? data : JSON.stringify(data)
    }\n\n`
  ).join("");
}

const agentChat = {
  model: "gpt-4o",
  messages: [
    { role: "system", content: "You are a coding agent." },
    { role: "user", content: "Fix the failing test." },
    {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "call_1",
        type: "function",
        function: { name: "run_tests", arguments: "{}" },
      }],
    },
    { role: "tool", tool_call_id: "call_1", content: "1 failed: expected 2, got 3" },
    {
      role: "assistant",
      content: "The test expects 2.",
      tool_calls: [{
        id: "call_2",
        type: "function",
        function: { name: "read_file", arguments: '{"path":"a.ts"}' },
      }],
    },
    { role: "tool", tool_call_id: "call_2", content: "export const x = 3;" },
  ],
  tools: ["run_tests", "read_file", "write_file"].map((name) => ({
    type: "function",
    function: {
      name,
      description: `Tool ${name}`,
      parameters: { type: "object", properties: { path: { type: "string" } } },
    },
  })),
};

Deno.test("analyzeCall attributes an agent's chat call to components and reconciles to prompt_tokens", () => {
  const response = {
    id: "c1",
    choices: [{ message: { role: "assistant", content: "Fixed." }, finish_reason: "stop" }],
    usage: {
      prompt_tokens: 300,
      completion_tokens: 5,
      prompt_tokens_details: { cached_tokens: 128 },
    },
  };
  const { record } = analyzeCall(capturedCall("chat.completions", agentChat, response));
  const a = record.attribution!;
  assertEquals([record.model, a.method, a.encoding, a.reported_total], [
    "gpt-4o",
    "exact",
    "o200k_base",
    300,
  ]);
  assertEquals(a.components.reduce((n, c) => n + c.tokens, 0), 300);
  assert(tokensOf(record, "system prompt") > 0 && tokensOf(record, "user input") > 0);
  assert(tokensOf(record, "history (assistant)") > 0, "assistant text is history");
  const frames = Object.fromEntries(
    a.tree.children.map((c) => [c.name, c.children.map((k) => k.name).sort()]),
  );
  assertEquals(frames["tool schemas"], ["read_file", "run_tests", "write_file"]);
  assertEquals(frames["tool calls"], ["read_file", "run_tests"]);
  assertEquals(frames["tool results"], ["read_file", "run_tests"]);
  assertEquals(record.usage, {
    input_tokens: 300,
    output_tokens: 5,
    cache_read_tokens: 128,
    cache_write_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: 0,
    source: "provider",
  });
  assertEquals(record.response?.text, "Fixed.");
});

Deno.test("analyzeCall reads a chat SSE stream with tool-call deltas and the include_usage chunk", () => {
  const chunk = (delta: unknown, finish: string | null = null) => ({
    id: "c2",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const body = sse([
    [
      null,
      chunk({
        role: "assistant",
        tool_calls: [{
          index: 0,
          id: "call_9",
          type: "function",
          function: { name: "grep", arguments: "" },
        }],
      }),
    ],
    [null, chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":' } }] })],
    [null, chunk({ tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] })],
    [null, chunk({}, "tool_calls")],
    [null, {
      id: "c2",
      choices: [],
      usage: {
        prompt_tokens: 40,
        completion_tokens: 9,
        completion_tokens_details: { reasoning_tokens: 2 },
      },
    }],
    [null, "[DONE]"],
  ]);
  const { record } = analyzeCall(
    capturedCall("chat.completions", { ...agentChat, stream: true }, body),
  );
  assertEquals(record.stream, true);
  assertEquals(record.response?.tool_calls, [{
    id: "call_9",
    name: "grep",
    arguments: '{"q":"x"}',
  }]);
  assertEquals(record.response?.stop_reason, "tool_calls");
  assertEquals([
    record.usage?.input_tokens,
    record.usage?.output_tokens,
    record.usage?.reasoning_tokens,
  ], [40, 9, 2]);
});

Deno.test("analyzeCall keeps what arrived of a chat stream cut short and counts usage itself", () => {
  const body = sse([[null, {
    id: "c3",
    choices: [{ index: 0, delta: { content: "Hello wor" }, finish_reason: null }],
  }]]) + 'data: {"id":"c3","cho';
  const { record } = analyzeCall(
    capturedCall("chat.completions", agentChat, body, { clientAborted: true }),
  );
  assertEquals(record.response?.text, "Hello wor");
  assertEquals(record.response?.complete, false);
  assertEquals(record.usage?.source, "counted");
  assertEquals(record.usage?.input_tokens, record.attribution?.counted_total);
  assert((record.usage?.output_tokens ?? 0) > 0);
  assertEquals(record.client_aborted, true);
});

Deno.test("analyzeCall attributes a Responses call with instructions, function calls and outputs", () => {
  const request = {
    model: "gpt-5",
    instructions: "Be terse.",
    previous_response_id: "resp_prev",
    input: [
      { role: "user", content: [{ type: "input_text", text: "Weather?" }] },
      { type: "function_call", call_id: "fc1", name: "weather", arguments: '{"city":"Paris"}' },
      { type: "function_call_output", call_id: "fc1", output: "18°C and sunny" },
      { type: "reasoning", summary: [{ type: "summary_text", text: "Need the weather tool." }] },
      { type: "web_search_call", id: "ws1", status: "completed" },
      { type: "mystery_item", x: 1 },
    ],
    tools: [{
      type: "function",
      name: "weather",
      description: "Weather",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    }, { type: "web_search" }],
  };
  const completed = {
    type: "response.completed",
    response: {
      id: "resp_2",
      status: "completed",
      output: [{ type: "message", content: [{ type: "output_text", text: "18°C." }] }],
      usage: {
        input_tokens: 150,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 4,
        output_tokens_details: { reasoning_tokens: 0 },
      },
    },
  };
  const body = sse([
    ["response.created", {
      type: "response.created",
      response: { id: "resp_2", status: "in_progress", output: [] },
    }],
    ["response.output_text.delta", { type: "response.output_text.delta", delta: "18°C." }],
    ["response.completed", completed],
  ]);
  const analysis = analyzeCall(capturedCall("responses", request, body));
  const { record } = analysis;
  assertEquals(analysis.previousResponseId, "resp_prev");
  assertEquals(record.response?.id, "resp_2");
  assertEquals(record.response?.text, "18°C.");
  assertEquals(record.attribution?.reported_total, 150);
  assertEquals(record.attribution!.components.reduce((n, c) => n + c.tokens, 0), 150);
  const frames = Object.fromEntries(
    record.attribution!.tree.children.map((c) => [c.name, c.children.map((k) => k.name).sort()]),
  );
  assertEquals(frames["tool calls"], ["weather", "web_search"]);
  assertEquals(frames["tool results"], ["weather"]);
  assertEquals(frames["tool schemas"], ["weather", "web_search"]);
  assert(
    tokensOf(record, "history (assistant)") > 0,
    "reasoning summary and the unknown item are history",
  );
  assert(
    record.attribution!.notes.some((n) => n.includes("mystery_item")),
    "unknown items are noted, not dropped",
  );
});

Deno.test("analyzeCall reads Codex's additional_tools input item as tool schemas, not history", () => {
  const shell = {
    type: "function",
    name: "shell",
    description: "Runs a command",
    parameters: { type: "object", properties: { cmd: { type: "string" } } },
  };
  const request = {
    model: "gpt-5",
    tools: [],
    input: [
      {
        type: "additional_tools",
        tools: [shell, {
          type: "namespace",
          name: "mcp",
          tools: [{ ...shell, name: "read_file", description: "Reads a file" }],
        }],
      },
      { role: "user", content: [{ type: "input_text", text: "List files." }] },
    ],
  };
  const { record } = analyzeCall(capturedCall("responses", request));
  const frames = Object.fromEntries(
    record.attribution!.tree.children.map((c) => [c.name, c.children.map((k) => k.name).sort()]),
  );
  assertEquals(frames["tool schemas"], ["read_file", "shell"]);
  assertEquals(tokensOf(record, "history (assistant)"), 0);
  assert(!record.attribution!.notes.some((n) => n.includes("additional_tools")));
});

const claudeRequest = {
  model: "claude-sonnet-4-6",
  max_tokens: 1024,
  system: [{
    type: "text",
    text: "You are a research agent.",
    cache_control: { type: "ephemeral" },
  }],
  tools: [
    {
      name: "search",
      description: "Search",
      input_schema: { type: "object", properties: { q: { type: "string" } } },
    },
    { type: "web_search_20250305", name: "web_search" },
  ],
  messages: [
    { role: "user", content: "Summarise recent papers." },
    { role: "system", content: "Stray system message." },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "I should search.", signature: "s" },
        { type: "tool_use", id: "tu1", name: "search", input: { q: "papers" } },
        { type: "server_tool_use", id: "st1", name: "web_search", input: { query: "papers" } },
        {
          type: "web_search_tool_result",
          tool_use_id: "st1",
          content: [{ type: "web_search_result", title: "A", url: "https://a" }],
        },
      ],
    },
    {
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: "tu1",
          content: [{ type: "text", text: "Paper A; Paper B" }],
        },
        { type: "text", text: "Go on.", citations: [] },
        { type: "image", source: { type: "url", url: "https://example.com/chart.png" } },
      ],
    },
  ],
};

Deno.test("analyzeCall attributes an Anthropic call with caching, server tools and a stray system role", () => {
  const response = {
    id: "msg_1",
    content: [{ type: "text", text: "Here is a summary." }],
    stop_reason: "end_turn",
    usage: {
      input_tokens: 50,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 300,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
      output_tokens: 80,
    },
  };
  const { record } = analyzeCall(capturedCall("messages", claudeRequest, response));
  assertEquals(record.attribution?.method, "approximate");
  assertEquals(record.usage, {
    input_tokens: 1350,
    output_tokens: 80,
    cache_read_tokens: 1000,
    cache_write_tokens: 300,
    cache_write_1h_tokens: 200,
    reasoning_tokens: 0,
    source: "provider",
  });
  assertEquals(record.attribution!.components.reduce((n, c) => n + c.tokens, 0), 1350);
  const frames = Object.fromEntries(
    record.attribution!.tree.children.map((c) => [c.name, c.children.map((k) => k.name).sort()]),
  );
  assertEquals(frames["tool calls"], ["search", "web_search"]);
  assertEquals(frames["tool results"], ["search", "web_search"]);
  assertEquals(frames["tool schemas"], ["search", "web_search"]);
  assert(tokensOf(record, "images & files") > 0);
  assert(record.attribution!.notes.some((n) => n.includes('role "system"')));
});

Deno.test("analyzeCall reads an Anthropic stream with thinking, tool_use input_json_delta and message_delta usage", () => {
  const body = sse([
    ["message_start", {
      type: "message_start",
      message: {
        id: "msg_2",
        usage: {
          input_tokens: 20,
          cache_read_input_tokens: 500,
          cache_creation_input_tokens: 0,
          output_tokens: 1,
        },
      },
    }],
    ["content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "thinking", thinking: "" },
    }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "thinking_delta", thinking: "Hmm." },
    }],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    ["content_block_start", {
      type: "content_block_start",
      index: 1,
      content_block: { type: "tool_use", id: "tu2", name: "search", input: {} },
    }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 1,
      delta: { type: "input_json_delta", partial_json: '{"q":' },
    }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 1,
      delta: { type: "input_json_delta", partial_json: '"x"}' },
    }],
    ["content_block_stop", { type: "content_block_stop", index: 1 }],
    ["message_delta", {
      type: "message_delta",
      delta: { stop_reason: "tool_use" },
      usage: { output_tokens: 42 },
    }],
    ["message_stop", { type: "message_stop" }],
  ]);
  const { record } = analyzeCall(
    capturedCall("messages", { ...claudeRequest, stream: true }, body),
  );
  assertEquals(record.response?.thinking, "Hmm.");
  assertEquals(record.response?.tool_calls, [{
    id: "tu2",
    name: "search",
    arguments: '{"q":"x"}',
  }]);
  assertEquals(record.response?.stop_reason, "tool_use");
  assertEquals([
    record.usage?.input_tokens,
    record.usage?.output_tokens,
    record.usage?.cache_read_tokens,
  ], [520, 42, 500]);
});

Deno.test("analyzeCall records malformed and truncated JSON requests with the reason", () => {
  for (const raw of ['{"model": "gpt-4o", "messages": [', "not json at all"]) {
    const { record } = analyzeCall(capturedCall("chat.completions", raw, null));
    assertStringIncludes(record.error ?? "", "request body is not valid JSON");
    assertEquals(record.attribution, null);
    assertEquals(record.status, 200, "what the proxy saw is kept");
  }
});

Deno.test("analyzeCall keeps the proxy's record for passthrough calls and skipped bodies", () => {
  const passthrough =
    analyzeCall(capturedCall("passthrough", null, null, { path: "/v1/models", method: "GET" }))
      .record;
  assertEquals([passthrough.api, passthrough.path, passthrough.attribution], [
    "passthrough",
    "/v1/models",
    null,
  ]);
  const skipped = analyzeCall(
    capturedCall("chat.completions", null, null, {
      error: "body over the cap: analysis skipped",
    }),
  ).record;
  assertEquals(skipped.error, "body over the cap: analysis skipped");
});

Deno.test("analyzeCall counts images from their header and never tokenizes base64 as text", () => {
  const png = new Uint8Array(33);
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(png.buffer).setUint32(16, 1024);
  new DataView(png.buffer).setUint32(20, 1024);
  const url = "data:image/png;base64," + btoa(String.fromCharCode(...png)) + "A".repeat(20_000_000);
  const counters = newCounters();
  const request = {
    model: "gpt-4o",
    messages: [{
      role: "user",
      content: [{ type: "text", text: "What is this?" }, {
        type: "image_url",
        image_url: { url, detail: "high" },
      }],
    }],
  };
  const { record } = analyzeCall(capturedCall("chat.completions", request, null), {
    counters: counters,
  });
  assertEquals(tokensOf(record, "images & files"), 765);
  assert(counters.get("o200k_base")!.tokenizedChars < 1_000, "the 20 MB payload was not tokenized");
});

Deno.test("analyzeCall prices a call and its components, which add up to the input cost", () => {
  const response = {
    id: "c9",
    choices: [{ message: { role: "assistant", content: "Done." }, finish_reason: "stop" }],
    usage: {
      prompt_tokens: 2_000,
      completion_tokens: 50,
      prompt_tokens_details: { cached_tokens: 1_024 },
    },
  };
  const { record } = analyzeCall(capturedCall("chat.completions", agentChat, response));
  assertEquals(record.cost?.priced, true);
  assertStringIncludes(record.cost?.price_source ?? "", "openai/gpt-4o");
  // gpt-4o: $2.50 input, $1.25 cached input, $10 output per million.
  const input = (976 * 2.5 + 1_024 * 1.25) / 1e6;
  assert(Math.abs(record.cost!.input_usd! - input) < 1e-12);
  assert(Math.abs(record.cost!.output_usd! - (50 * 10) / 1e6) < 1e-12);
  const parts = record.attribution!.components.reduce((n, c) => n + (c.cost_usd ?? 0), 0);
  assert(Math.abs(parts - input) < 1e-12, `components add up to ${parts}, not ${input}`);
  const schemas = record.attribution!.components.find((c) => c.name === "tool schemas")!;
  assert(
    Math.abs(schemas.cost_usd! - (schemas.tokens * 1.25) / 1e6) < 1e-12,
    "tool schemas lead the prompt, so they are in the cached prefix",
  );
  assertEquals(
    record.route?.label,
    "chat completions · gpt-4o · You are a coding agent. · 3 tools",
  );
});

Deno.test("analyzeCall keeps an unknown model's tokens and gives it no cost", () => {
  const { record } = analyzeCall(
    capturedCall("chat.completions", { ...agentChat, model: "my-unreleased-model" }, null),
  );
  assertEquals(record.cost, {
    input_usd: null,
    output_usd: null,
    total_usd: null,
    priced: false,
    price_source: null,
  });
  assert(record.usage!.input_tokens > 0);
  assertEquals(record.attribution!.components.every((c) => c.cost_usd === null), true);
});

Deno.test("analyzeCall prices with overrides first", () => {
  const overrides = { "gpt-4o": { input_mtok: 1, output_mtok: 2 } };
  const response = {
    id: "c",
    choices: [{ message: { content: "x" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 },
  };
  const { record } = analyzeCall(capturedCall("chat.completions", agentChat, response), {
    overrides,
  });
  assertEquals([record.cost?.input_usd, record.cost?.output_usd, record.cost?.price_source], [
    1,
    2,
    "override: gpt-4o",
  ]);
});

Deno.test("analyzeCall notes a provider report far from its own count, with both numbers and the likely cause, and marks the call for attention", async () => {
  const { attentionOf } = await import("../store/rows.ts");
  const big = "All work and no play makes Jack a dull boy. ".repeat(4_000);
  const { record } = analyzeCall(
    capturedCall("messages", {
      model: "claude-sonnet-4-6",
      max_tokens: 10,
      messages: [{ role: "user", content: big }],
    }, {
      id: "m1",
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "ok" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 100, output_tokens: 1 },
    }),
  );
  const a = record.attribution!;
  assert(a.counted_total > 30_000, `counted ${a.counted_total}`);
  assertEquals(a.components.reduce((n, c) => n + c.tokens, 0), 100, "still reconciled");
  const note = a.mismatch!;
  assertStringIncludes(note, "the provider reported 100 prompt tokens");
  assertStringIncludes(note, `llmprof counted ${a.counted_total.toLocaleString("en")}`);
  assertStringIncludes(note, "a proxy in between trimmed or rewrote the prompt");
  assertStringIncludes(note, "the provider truncated it");
  assertStringIncludes(note, "tokenizer");
  assert(a.notes.includes(note), "the mismatch is one of the record's notes");
  assertEquals(attentionOf(record), 1);
});

Deno.test("analyzeCall notes an exact count the provider reported fewer tokens than, without a mismatch within 25%", () => {
  const chat = { model: "gpt-4o", messages: [{ role: "user", content: "word ".repeat(400) }] };
  const counted = analyzeCall(capturedCall("chat.completions", chat)).record.attribution!
    .counted_total;
  const reply = (prompt: number) => ({
    id: "c1",
    choices: [{ message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage: { prompt_tokens: prompt, completion_tokens: 1 },
  });
  const below = analyzeCall(capturedCall("chat.completions", chat, reply(counted - 5))).record;
  assertEquals(below.attribution!.mismatch, null);
  assert(
    below.attribution!.notes.some((n) =>
      n.includes(`reported ${counted - 5} prompt tokens where llmprof counted ${counted}`) &&
      n.includes("fewer than an exact count should give")
    ),
    below.attribution!.notes.join("; "),
  );
  const same = analyzeCall(capturedCall("chat.completions", chat, reply(counted))).record;
  assertEquals(same.attribution!.notes, []);
});

Deno.test("analyzeCall explains, without marking it, a stateful Responses call billed for earlier turns it does not carry", () => {
  const { record } = analyzeCall(
    capturedCall("responses", {
      model: "gpt-4o",
      previous_response_id: "resp_1",
      input: "and now?",
    }, {
      id: "resp_2",
      object: "response",
      status: "completed",
      output: [],
      usage: { input_tokens: 5_000, output_tokens: 1 },
    }),
  );
  assertEquals(record.attribution!.mismatch, null);
  assert(record.attribution!.notes.some((n) => n.includes("held by the provider")));
});
