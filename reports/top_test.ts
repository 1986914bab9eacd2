import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertStringIncludes,
} from "../testing/assert.ts";
import { sampleRecord } from "../testing/records.ts";
import type { CallRecord, RunRef } from "../core/record.ts";
import { formatTop, topReport } from "./top.ts";

function ref(id: string, turn: number, extra: Partial<RunRef> = {}): RunRef {
  return { id, turn, source: "chain", parent_id: null, retry_of: null, fork: false, ...extra };
}

function records(): CallRecord[] {
  const main = "S";
  const withTools = (r: CallRecord): CallRecord => {
    r.attribution!.components.push({ name: "tool schemas", tokens: 400, cost_usd: 0.004 });
    r.attribution!.tree.children.push({
      name: "tool schemas",
      tokens: 400,
      children: [
        {
          name: "built-in tools",
          tokens: 300,
          children: [{ name: "Read", tokens: 200, children: [] }, {
            name: "Bash",
            tokens: 100,
            children: [],
          }],
        },
        {
          name: "MCP github",
          tokens: 100,
          children: [{ name: "mcp__github__pr", tokens: 100, children: [] }],
        },
      ],
    });
    return r;
  };
  return [
    withTools(
      sampleRecord({
        id: "m1",
        cost_usd: 0.02,
        session: ref(main, 1, { name: "Claude Code · “Fix it”" }),
      }),
    ),
    withTools(sampleRecord({ id: "m2", cost_usd: 0.03, session: ref(main, 2) })),
    sampleRecord({
      id: "s1",
      cost_usd: 0.01,
      session: ref("SUB", 1, { parent_run: main, parent_turn: 2, name: "sub" }),
    }),
    sampleRecord({
      id: "s2",
      cost_usd: 0.005,
      session: ref("SUB", 2, { parent_run: main, parent_turn: 2 }),
    }),
    sampleRecord({ id: "other", cost_usd: 0.001, session: ref("O", 1) }),
  ];
}

Deno.test("the summary gives each agent its cost and a parent its total with its subagents", () => {
  const report = topReport(records());
  assertEquals(report.calls, 5);
  assertAlmostEquals(report.cost_usd, 0.066);
  assertEquals(report.runs.map((r) => r.id), ["S", "SUB", "O"]);
  const [main, sub] = report.runs;
  assertAlmostEquals(main.cost_usd, 0.05);
  assertAlmostEquals(main.total_usd, 0.065);
  assertAlmostEquals(sub.total_usd, 0.015);
  assertEquals([sub.parent_run, sub.parent_turn, sub.turns], ["S", 2, 2]);
  assertEquals(main.name, "Claude Code · “Fix it”");
  // Tools are the leaves; MCP servers and built-in tools are agent parts.
  assertEquals(report.tools.map((t) => [t.name, t.tokens]), [["Read", 400], ["Bash", 200], [
    "mcp__github__pr",
    200,
  ]]);
  assertEquals(report.agent_parts.map((t) => t.name), ["built-in tools", "MCP github"]);
  assertAlmostEquals(report.tools[0].usd, 0.004);
});

Deno.test("the printed summary nests subagents under their parent and links the dashboard", () => {
  const text = formatTop(topReport(records()), { dashboard: "http://127.0.0.1:4000/_llmprof" });
  assertStringIncludes(text, "llmprof: 5 calls in 3 runs");
  const lines = text.split("\n");
  const main = lines.findIndex((l) => l.includes(" S  Claude Code"));
  assert(main >= 0, text);
  assertStringIncludes(lines[main + 1], "    SUB  sub (spawned at turn 2)");
  assertStringIncludes(lines[main], "$0.07");
  assertStringIncludes(text, "Dashboard: http://127.0.0.1:4000/_llmprof/runs?id=S");
  assertStringIncludes(text, "agent part");
});

Deno.test("the biggest findings are listed by dollars with their call", () => {
  const rs = records();
  rs[1].findings = [
    { kind: "reread", tokens: 5_000, usd: 0.015, detail: "Read read a.ts 2 times" },
    { kind: "advisory", tokens: 9_000, usd: null, detail: "trim" },
  ];
  rs[2].findings = [{ kind: "large_tool_result", tokens: 20_000, usd: 0.06, detail: "big" }];
  const report = topReport(rs);
  assertEquals(report.findings.map((f) => [f.kind, f.call_id]), [
    ["large_tool_result", "s1"],
    ["reread", "m2"],
    ["advisory", "m2"],
  ]);
  assertEquals(topReport([]).runs, []);
});
