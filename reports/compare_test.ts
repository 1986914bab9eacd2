import { assertEquals } from "../testing/assert.ts";
import { sampleRecord } from "../testing/records.ts";
import type { Attribution } from "../core/record.ts";
import type { RunSummary, RunTurn } from "../store/contract.ts";
import { compareCalls, compareRuns, firstDifference, toolTokens } from "./compare.ts";

const tree = (tools: Record<string, number>, results: Record<string, number> = {}) => ({
  name: "context",
  tokens: 0,
  children: [
    { name: "system prompt", tokens: 500, children: [] },
    {
      name: "tool schemas",
      tokens: 0,
      children: [{
        name: "MCP github",
        tokens: 0,
        children: Object.entries(tools).map(([name, tokens]) => ({ name, tokens, children: [] })),
      }],
    },
    {
      name: "tool results",
      tokens: 0,
      children: Object.entries(results).map(([name, tokens]) => ({ name, tokens, children: [] })),
    },
  ],
});

const attribution = (
  components: Attribution["components"],
  t: Attribution["tree"],
): Attribution => ({
  method: "exact",
  encoding: "o200k_base",
  counted_total: 0,
  reported_total: null,
  components,
  tree: t,
  notes: [],
  mismatch: null,
});

Deno.test("tools are counted across schemas, calls and results, MCP groups flattened", () => {
  const t = tree({ mcp__github__create_issue: 120, get_weather: 40 }, { get_weather: 300 });
  assertEquals(
    Object.fromEntries(toolTokens(t)),
    { mcp__github__create_issue: 120, get_weather: 340 },
  );
  assertEquals(toolTokens(null).size, 0);
});

Deno.test("comparing two calls pairs components, tools and cost, b against a", () => {
  const a = sampleRecord({
    cost_usd: 0.02,
    input: 1000,
    attribution: attribution([
      { name: "system prompt", tokens: 500, cost_usd: 0.005 },
      { name: "tool results", tokens: 500, cost_usd: 0.005 },
    ], tree({ get_weather: 40 }, { get_weather: 300 })),
  });
  const b = sampleRecord({
    cost_usd: 0.05,
    input: 3000,
    attribution: attribution([
      { name: "system prompt", tokens: 500, cost_usd: 0.005 },
      { name: "tool results", tokens: 2000, cost_usd: 0.02 },
      { name: "user input", tokens: 500, cost_usd: 0.005 },
    ], tree({ get_weather: 40, mcp__github__create_issue: 100 }, { get_weather: 1800 })),
  });
  const c = compareCalls({ record: a, messages: [], blocks: null }, {
    record: b,
    messages: [],
    blocks: null,
  });
  assertEquals(c.kind, "calls");
  assertEquals(c.prompt_tokens, { a: 1000, b: 3000, delta: 2000 });
  assertEquals(c.cost_usd.delta! > 0.0299 && c.cost_usd.delta! < 0.0301, true);
  const results = c.components.find((x) => x.name === "tool results")!;
  assertEquals(results.tokens, { a: 500, b: 2000, delta: 1500 });
  assertEquals(results.usd.a, 0.005);
  const input = c.components.find((x) => x.name === "user input")!;
  assertEquals(input.tokens, { a: 0, b: 500, delta: 500 });
  // A priced call without the component spent nothing on it.
  assertEquals(input.usd, { a: 0, b: 0.005, delta: 0.005 });
  // The tool that changed most comes first; a tool only b has says so.
  assertEquals(c.tools.map((t) => [t.name, t.tokens.delta, t.in]), [
    ["get_weather", 1500, "both"],
    ["mcp__github__create_issue", 100, "b"],
  ]);
});

Deno.test("the first difference names the first differing block and message, with the character it parts at", () => {
  const block = (hash: string, kind = "system prompt" as const) => ({
    hash,
    kind,
    label: null,
    tokens: 10,
  });
  const d = firstDifference(
    {
      messages: [{ role: "system", parts: ["Now: 10:00:01. Be careful."] }, {
        role: "user",
        parts: ["Hi"],
      }],
      blocks: [block("x"), block("y")],
    },
    {
      messages: [{ role: "system", parts: ["Now: 10:01:07. Be careful."] }, {
        role: "user",
        parts: ["Hi"],
      }],
      blocks: [block("z"), block("y")],
    },
  );
  assertEquals(d.block?.index, 0);
  assertEquals(d.message?.index, 0);
  assertEquals(d.message?.offset, 9);
  assertEquals(d.message?.a, { role: "system", text: "Now: 10:00:01. Be careful." });
  assertEquals(d.message?.b?.text, "Now: 10:01:07. Be careful.");

  // One prompt continues the other: they part where the shorter ends.
  const longer = firstDifference(
    { messages: [{ role: "user", parts: ["Hi"] }], blocks: [block("y")] },
    {
      messages: [{ role: "user", parts: ["Hi"] }, { role: "assistant", parts: ["Hello"] }],
      blocks: [block("y"), block("w", "history (assistant)" as never)],
    },
  );
  assertEquals(longer.message, {
    index: 1,
    offset: 0,
    a: null,
    b: { role: "assistant", text: "Hello" },
  });
  assertEquals(longer.block?.index, 1);
  assertEquals(longer.block?.a, null);

  // Identical prompts have no difference.
  const same = { messages: [{ role: "user", parts: ["Hi"] }], blocks: [block("y")] };
  assertEquals(firstDifference(same, same), { block: null, message: null });
});

Deno.test("comparing two runs sums each component over every turn and prices the runs", () => {
  const summary = (id: string, calls: number): RunSummary => ({
    id,
    calls,
    first_at: "2026-11-27T10:00:00.000Z",
    last_at: "2026-11-27T10:05:00.000Z",
    cost_usd: 0,
    first_prompt_tokens: 0,
    last_prompt_tokens: 0,
    name: `run ${id}`,
    parent_run: null,
  });
  const turn = (n: number, tokens: number, cost: number): RunTurn => ({
    call_id: `c${n}`,
    turn: n,
    created_at: "2026-11-27T10:00:00.000Z",
    prompt_tokens: tokens,
    cache_read_tokens: 0,
    components: { "system prompt": 100, "tool results": tokens - 100 },
    cost_usd: cost,
  });
  const c = compareRuns(
    {
      summary: summary("A", 2),
      turns: [turn(1, 200, 0.01), turn(2, 400, 0.02)],
      first: null,
      last: null,
    },
    {
      summary: summary("B", 3),
      turns: [turn(1, 200, 0.01), turn(2, 600, 0.03), turn(3, 1000, 0.05)],
      first: null,
      last: null,
    },
  );
  assertEquals(c.turns, { a: 2, b: 3, delta: 1 });
  assertEquals(c.last_prompt_tokens, { a: 400, b: 1000, delta: 600 });
  assertEquals(c.components.find((x) => x.name === "tool results")!.tokens, {
    a: 400,
    b: 1500,
    delta: 1100,
  });
  assertEquals(c.components.find((x) => x.name === "system prompt")!.tokens.delta, 100);
  assertEquals(Math.round(c.cost_usd.b! * 100), 9);
  assertEquals(c.a.name, "run A");
  assertEquals(c.first_difference, { block: null, message: null });
});
