import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { sampleRecord } from "../testing/records.ts";
import type { CallFacts } from "../analysis/analysis.ts";
import { CrossCallFindings } from "./cross_call.ts";
import type { OutlineBlock } from "../analysis/outline.ts";
import type { CallRecord, RunRef } from "../core/record.ts";

const GPT4O = { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 2.5, cacheWrite1h: 2.5 };

function facts(system: string): CallFacts {
  const outline: OutlineBlock[] = [
    { component: "system prompt", label: null, message: 0, text: system, end: 4_000 },
    { component: "user input", label: null, message: 1, text: "Go on.", end: 4_010 },
  ];
  return {
    outline,
    stablePrefix: null,
    rates: GPT4O,
    stateful: false,
    tools: { shipped: [], called: [], returned: [] },
  };
}

const header = (turn: number): RunRef => ({
  id: "nightly-eval",
  turn,
  source: "header",
  parent_id: null,
  retry_of: null,
  fork: false,
});

Deno.test("turns of a run named by the header are compared with the run's previous call", () => {
  const findings = new CrossCallFindings();
  const first = sampleRecord({ id: "one", input: 4_010, cost_usd: 0.02, session: header(1) });
  findings.add(first, facts("Now: 10:00:01. You grade answers."));
  const second = sampleRecord({ id: "two", input: 4_020, cost_usd: 0.02, session: header(2) });
  findings.add(second, facts("Now: 10:01:07. You grade answers."));
  const [found] = second.findings;
  assertEquals([found?.kind, found?.change?.component, found?.change?.offset], [
    "cache_break",
    "system prompt",
    "Now: 10:0".length,
  ]);
  assert(found.usd! > 0 && found.usd! <= second.cost!.input_usd!);
});

Deno.test("failed calls and calls without usage add no findings and are not remembered", () => {
  const findings = new CrossCallFindings();
  const failed = sampleRecord({ id: "failed", status: 500, session: header(1) });
  findings.add(failed, facts("a"));
  const next = sampleRecord({ id: "next", input: 4_020, session: header(2) });
  findings.add(next, facts("b"));
  assertEquals([failed.findings, next.findings], [[], []], "nothing earlier to compare with");
});

Deno.test("unused tools are counted from the request, not from the tree's rounded frames", async () => {
  const { analyzeCall, newCounters } = await import("../analysis/analyze.ts");
  const { capturedCall } = await import("../testing/captured.ts");
  const counters = newCounters();
  const findings = new CrossCallFindings({ minCalls: 20 });
  const tools = Array.from({ length: 25 }, (_, i) => ({
    name: `tool_${i}`,
    description: `Tool number ${i}: ${"it does a careful thing. ".repeat(i + 1)}`,
    input_schema: { type: "object", properties: { path: { type: "string" } } },
  }));
  let last: CallRecord | null = null;
  for (let i = 0; i < 20; i++) {
    const { record, facts } = analyzeCall(
      capturedCall("messages", {
        model: "claude-sonnet-4-6",
        max_tokens: 10,
        system: "You are a careful agent.",
        tools,
        messages: [{ role: "user", content: `question ${i}` }],
      }, {
        id: `m${i}`,
        type: "message",
        role: "assistant",
        content: [{ type: "text", text: "ok" }],
        stop_reason: "end_turn",
        // A report far below the count scales the tool schemas down to a few tokens.
        usage: { input_tokens: 12, output_tokens: 1 },
      }),
      { counters },
    );
    findings.add(record, facts);
    last = record;
  }
  const schemas = last!.attribution!.tree.children.find((c) => c.name === "tool schemas")!;
  assertEquals(schemas.children.length, 25, "the tree keeps every tool");
  const unused = last!.findings.find((f) => f.kind === "unused_tools");
  assert(unused, JSON.stringify(last!.findings));
  assertStringIncludes(unused.detail, "25 of 25 tools were never called in 20 calls");
});
