import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { CallRecord, Finding } from "../core/record.ts";
import { assert, assertAlmostEquals, assertEquals } from "../testing/assert.ts";
import { withRig } from "./_harness.ts";

const withAnalysis = () => ({ analyse: true });
const withCache = { promptCache: true };

const INSTRUCTIONS = "Read the code before you change it. Run the tests after every change. "
  .repeat(150);
const anthropicTools: Anthropic.Tool[] = ["read_file", "grep", "run_tests"].map((name) => ({
  name,
  description: `${name}: use it when the task needs it.`,
  input_schema: { type: "object", properties: { path: { type: "string" } } },
}));

/**
 * An Anthropic agent loop the way agents cache: a breakpoint on the system prompt and on
 * the last message. `system(turn)` gives each turn's system prompt. The fake upstream
 * answers a tool result in text and anything else with a call of the tool `tool(turn)`
 * names, so tools are called every other turn.
 */
async function anthropicAgent(
  base: string,
  turns: number,
  options: { system: (turn: number) => string; tool?: (turn: number) => string },
): Promise<void> {
  const client = new Anthropic({ apiKey: "sk-ant-test", baseURL: base, maxRetries: 0 });
  const history: Anthropic.MessageParam[] = [{ role: "user", content: "The build fails. Fix it." }];
  for (let turn = 1; turn <= turns; turn++) {
    const messages = history.map((m, i): Anthropic.MessageParam => {
      if (i !== history.length - 1 || typeof m.content === "string") return m;
      const blocks = m.content.map((b, j) =>
        j === m.content.length - 1 ? { ...b, cache_control: { type: "ephemeral" as const } } : b
      ) as Anthropic.ContentBlockParam[];
      return { role: m.role, content: blocks } as Anthropic.MessageParam;
    });
    const message = await client.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 1024,
      system: [{ type: "text", text: options.system(turn), cache_control: { type: "ephemeral" } }],
      tools: anthropicTools,
      messages,
    }, { headers: { "x-fake-tool": options.tool?.(turn) ?? "read_file" } });
    history.push({ role: "assistant", content: message.content });
    const uses = message.content.filter((b) => b.type === "tool_use");
    history.push({
      role: "user",
      content: uses.length > 0
        ? uses.map((u) => ({
          type: "tool_result" as const,
          tool_use_id: u.id,
          content: `result of turn ${turn}: ${"ok ".repeat(50)}`,
        }))
        : [{ type: "text", text: `Good. Now step ${turn + 1}.` }],
    });
  }
}

const dollars = (findings: Finding[]) => findings.filter((f) => (f.usd ?? 0) > 0);

Deno.test("a timestamp in the system prompt is diagnosed as a cache break on every later turn", () =>
  withRig(
    async ({ llmprof, nextRecord }) => {
      const start = Date.parse("2026-11-27T10:00:00Z");
      const stamp = (turn: number) => new Date(start + turn * 61_000).toISOString();
      await anthropicAgent(llmprof.url, 4, {
        system: (turn) => `You are a coding agent. Current time: ${stamp(turn)}.\n${INSTRUCTIONS}`,
      });
      const records = [];
      for (let i = 0; i < 4; i++) records.push((await nextRecord()).record);
      assertEquals(new Set(records.map((r) => r.session?.id)).size, 1, "one run despite the clock");
      assertEquals(records.map((r) => r.session?.turn), [1, 2, 3, 4]);
      assertEquals(records[0].findings.filter((f) => f.kind === "cache_break"), []);
      for (const [i, record] of records.slice(1).entries()) {
        const breaks = record.findings.filter((f) => f.kind === "cache_break");
        assertEquals(breaks.length, 1, `turn ${i + 2}: ${JSON.stringify(record.findings)}`);
        const [found] = breaks;
        assertEquals(found.change?.component, "system prompt");
        assertEquals(found.change?.message, null);
        const offset = "You are a coding agent. Current time: 2026-11-27T10:0".length;
        assertEquals(found.change?.offset, offset);
        assert(found.change!.before.includes(stamp(i + 1).slice(11, 19)), found.change!.before);
        assert(found.change!.after.includes(stamp(i + 2).slice(11, 19)), found.change!.after);
        // The lost reads were written again at $3.75 instead of read at $0.30 per million.
        assertAlmostEquals(found.usd!, (found.tokens * (3.75 - 0.3)) / 1e6, 1e-9);
        assert(found.usd! <= record.cost!.input_usd!, "never more than the call paid");
        assertEquals(record.usage!.cache_read_tokens < found.tokens, true);
      }
    },
    withAnalysis,
    withCache,
  ));

Deno.test("an agent run that caches and uses all its tools yields no dollar findings", () =>
  withRig(
    async ({ llmprof, nextRecord }) => {
      const names = anthropicTools.map((t) => t.name);
      await anthropicAgent(llmprof.url, 24, {
        system: () => `You are a coding agent.\n${INSTRUCTIONS}`,
        tool: (turn) => names[turn % names.length],
      });
      const records = [];
      for (let i = 0; i < 24; i++) records.push((await nextRecord()).record);
      assertEquals(new Set(records.map((r) => r.session?.id)).size, 1);
      assert(records.slice(1).every((r) => r.usage!.cache_read_tokens > 0), "the cache works");
      for (const record of records) {
        assertEquals(dollars(record.findings), [], `turn ${record.session?.turn}`);
      }
    },
    withAnalysis,
    withCache,
  ));

Deno.test("a tool list reordered between turns is named as the cache break", () =>
  withRig(
    async ({ llmprof, nextRecord }) => {
      const client = new Anthropic({ apiKey: "sk-ant-test", baseURL: llmprof.url, maxRetries: 0 });
      const system = [{
        type: "text" as const,
        text: INSTRUCTIONS,
        cache_control: { type: "ephemeral" as const },
      }];
      const question: Anthropic.MessageParam = { role: "user", content: "Fix the build." };
      const first = await client.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 1024,
        system,
        tools: anthropicTools,
        messages: [question],
      });
      await client.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 1024,
        system,
        tools: [...anthropicTools].reverse(),
        messages: [question, { role: "assistant", content: first.content }, {
          role: "user",
          content: [{
            type: "tool_result",
            tool_use_id: "toolu_fake1",
            content: "ok",
            cache_control: { type: "ephemeral" },
          }],
        }],
      });
      await nextRecord();
      const { record } = await nextRecord();
      assertEquals(record.session?.turn, 2);
      const [found] = record.findings.filter((f) => f.kind === "cache_break");
      assertEquals([found?.change?.component, found?.change?.label], ["tool schemas", "run_tests"]);
      assert(found.detail.includes("the tool list was reordered"), found.detail);
    },
    withAnalysis,
    withCache,
  ));

const openaiTools = (names: string[]): OpenAI.ChatCompletionTool[] =>
  names.map((name) => ({
    type: "function",
    function: {
      name,
      description: `${name}: use it when the task needs it.`,
      parameters: { type: "object", properties: { path: { type: "string" } } },
    },
  }));

Deno.test("a long system prompt sent again with no cache reads is an uncached prefix", () =>
  withRig(async ({ llmprof, nextRecord }) => {
    const client = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
    for (const question of ["What does main.ts do?", "Where are the tests?"]) {
      await client.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "system", content: INSTRUCTIONS }, { role: "user", content: question }],
        tools: openaiTools(["read_file"]),
      });
    }
    const first = (await nextRecord()).record;
    const second = (await nextRecord()).record;
    assertEquals(first.findings.filter((f) => f.kind === "uncached_prefix"), []);
    const [found] = second.findings.filter((f) => f.kind === "uncached_prefix");
    assert(found, JSON.stringify(second.findings));
    const components = new Map(second.attribution!.components.map((c) => [c.name, c.tokens]));
    const prefix = components.get("system prompt")! + components.get("tool schemas")!;
    // The prefix is the schemas and the system message with the formatting overhead between them.
    const overhead = components.get("formatting overhead")!;
    assert(
      found.tokens >= prefix && found.tokens <= prefix + overhead,
      `${found.tokens} vs ${prefix}`,
    );
    // gpt-4o: $2.50 per million uncached, $1.25 cached.
    assertAlmostEquals(found.usd!, (found.tokens * 1.25) / 1e6, 1e-9);
  }, withAnalysis));

Deno.test("tools never called across a route's calls are claimed after twenty calls", () =>
  withRig(async ({ llmprof, nextRecord }) => {
    const client = new OpenAI({ apiKey: "sk-test", baseURL: `${llmprof.url}/v1`, maxRetries: 0 });
    const tools = openaiTools(["read_file", "send_email", "schedule"]);
    for (let i = 0; i < 22; i++) {
      await client.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "system", content: "You are terse." }, {
          role: "user",
          content: `Question ${i}`,
        }],
        tools,
      });
    }
    const records = [];
    for (let i = 0; i < 22; i++) records.push((await nextRecord()).record);
    const unused = records.map((r) => r.findings.find((f) => f.kind === "unused_tools"));
    assertEquals(unused.slice(0, 19).filter(Boolean), [], "not claimed before twenty calls");
    for (const [i, found] of unused.slice(19).entries()) {
      const record = records[19 + i];
      assert(found, `call ${20 + i} has the finding`);
      assert(found.detail.includes("send_email, schedule"), found.detail);
      const schemas = record.attribution!.tree.children.find((c) => c.name === "tool schemas")!;
      const tokens = schemas.children.filter((c) => c.name !== "read_file").reduce(
        (n, c) => n + c.tokens,
        0,
      );
      assertEquals(found.tokens, tokens);
      const rate = record.attribution!.components.find((c) => c.name === "tool schemas")!;
      assertAlmostEquals(found.usd!, (tokens * rate.cost_usd!) / rate.tokens, 1e-12);
    }
  }, withAnalysis));

/** Three chat turns whose system message carries each of `times`; their records, in order. */
async function openaiRun(
  base: string,
  times: string[],
  nextRecord: () => Promise<{ record: CallRecord }>,
): Promise<CallRecord[]> {
  const client = new OpenAI({ apiKey: "sk-test", baseURL: `${base}/v1`, maxRetries: 0 });
  const messages: OpenAI.ChatCompletionMessageParam[] = [{
    role: "user",
    content: "Summarise the build log.",
  }];
  for (const time of times) {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "system", content: `Time: ${time}.\n${INSTRUCTIONS}` }, ...messages],
    });
    messages.push(completion.choices[0].message, { role: "user", content: "And then?" });
  }
  const records = [];
  for (const _ of times) records.push((await nextRecord()).record);
  return records;
}

Deno.test("OpenAI's automatic cache: a timestamp in the system message is a cache break too", () =>
  withRig(
    async ({ llmprof, nextRecord }) => {
      const records = await openaiRun(
        llmprof.url,
        ["10:00:01", "10:01:07", "10:02:13"],
        nextRecord,
      );
      assertEquals(new Set(records.map((r) => r.session?.id)).size, 1, "one run");
      for (const record of records.slice(1)) {
        const [found] = record.findings.filter((f) => f.kind === "cache_break");
        assert(found, JSON.stringify(record.findings));
        assertEquals([found.change?.component, found.change?.message, found.change?.offset], [
          "system prompt",
          0,
          "Time: 10:0".length,
        ]);
        // Cached tokens would have cost $1.25 instead of $2.50 per million.
        assertAlmostEquals(found.usd!, (found.tokens * 1.25) / 1e6, 1e-9);
      }
    },
    withAnalysis,
    withCache,
  ));

Deno.test("OpenAI's automatic cache: a steady system message reads the cache and breaks nothing", () =>
  withRig(
    async ({ llmprof, nextRecord }) => {
      const records = await openaiRun(llmprof.url, ["10:00", "10:00", "10:00"], nextRecord);
      assert(records.slice(1).every((r) => r.usage!.cache_read_tokens >= 1_024), "the cache works");
      for (const record of records) assertEquals(dollars(record.findings), []);
    },
    withAnalysis,
    withCache,
  ));
