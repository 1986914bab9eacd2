import { assert, assertEquals } from "../testing/assert.ts";
import { capturedCall, storedTurn } from "../testing/captured.ts";
import { analyzeCall, newCounters } from "../analysis/analyze.ts";
import { SqliteStore } from "../store/sqlite_store.ts";
import type { StoredCall } from "../store/contract.ts";
import { diffLine } from "../correlate/turn_diff.ts";
import { callDiff, runDiffs } from "./turn_diffs.ts";

const SYSTEM = "You are a coding agent for the llmprof repository. Be careful and brief. ";
const TOOLS = [
  {
    name: "read_file",
    description: "Reads a file of the repository.",
    input_schema: { type: "object" },
  },
  {
    name: "run_tests",
    description: "Runs the test suite and reports failures.",
    input_schema: { type: "object" },
  },
];
const cached = { type: "ephemeral" };

/**
 * A scripted 5-turn Anthropic run: turn 2 adds a tool call and its result; turn 3 another
 * pair; turn 4 moves the cache marker onto the newest result; turn 5 edits the system prompt.
 */
function scriptedRun(): Array<Record<string, unknown>> {
  const ask = {
    role: "user",
    content: [{ type: "text", text: "The build fails on main; find out why and fix it." }],
  };
  const use = (id: string, name: string) => ({
    role: "assistant",
    content: [{ type: "tool_use", id, name, input: { path: `src/${id}.ts` } }],
  });
  const result = (id: string, text: string, marker = false) => ({
    role: "user",
    content: [{
      type: "tool_result",
      tool_use_id: id,
      content: text,
      ...(marker ? { cache_control: cached } : {}),
    }],
  });
  const fileA = "export const a = compute(1); // the first file the agent read\n".repeat(20);
  const fileB = "FAIL tests/b_test.ts: expected 2, got 3 at line 14\n".repeat(30);
  const body = (system: string, messages: unknown[]) => ({
    model: "claude-sonnet-4-6",
    max_tokens: 1024,
    system: [{ type: "text", text: system.repeat(10), cache_control: cached }],
    tools: TOOLS,
    messages,
  });
  return [
    body(SYSTEM, [ask]),
    body(SYSTEM, [ask, use("t1", "read_file"), result("t1", fileA)]),
    body(SYSTEM, [
      ask,
      use("t1", "read_file"),
      result("t1", fileA),
      use("t2", "run_tests"),
      result("t2", fileB),
    ]),
    body(SYSTEM, [
      ask,
      use("t1", "read_file"),
      result("t1", fileA),
      use("t2", "run_tests"),
      result("t2", fileB, true),
    ]),
    body(SYSTEM.replace("brief", "thorough"), [
      ask,
      use("t1", "read_file"),
      result("t1", fileA),
      use("t2", "run_tests"),
      result("t2", fileB, true),
    ]),
  ];
}

Deno.test("a scripted 5-turn run's diffs name what each turn added, changed and removed, from block hashes", async () => {
  const store = await SqliteStore.open(":memory:");
  try {
    const counters = newCounters();
    const response = {
      id: "m",
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "ok" }],
      usage: { input_tokens: 900, output_tokens: 5 },
    };
    const calls: StoredCall[] = scriptedRun().map((body, i) => {
      const a = analyzeCall(
        capturedCall("messages", body, response, {
          startedAt: Date.parse("2026-11-27T10:00:00Z") + i * 1000,
        }),
        { counters },
      );
      return storedTurn(a, "scripted", i);
    });
    await store.writeBatch(calls);
    const diffs = await Promise.all(calls.map((c) => callDiff(store, c.record)));
    assertEquals(diffs[0], null, "a first turn has nothing to compare with");
    const summary = (i: number) =>
      diffs[i]!.blocks.map((b) => `${b.change} ${b.kind}${b.label ? ` (${b.label})` : ""}`);
    assertEquals(summary(1), ["added tool calls (read_file)", "added tool results (read_file)"]);
    assertEquals(summary(2), ["added tool calls (run_tests)", "added tool results (run_tests)"]);
    assertEquals(
      summary(3),
      ["changed tool results (run_tests)"],
      "the moved cache marker changes one block",
    );
    assertEquals(summary(4), ["changed system prompt"], "the edited system prompt");
    assertEquals(diffs[1]!.previous_call_id, calls[0].record.id);
    const results = diffs[1]!.components.find((c) => c.name === "tool results")!;
    assertEquals(results.before, 0);
    assert(results.delta > 300, `the tool result adds its tokens (${results.delta})`);
    assert(
      diffs[1]!.blocks.every((b) => b.cost_usd !== null && b.cost_usd > 0),
      "blocks are priced",
    );
    assertEquals(
      diffs[3]!.components.filter((c) => c.name === "tool results").length,
      0,
      "moving a marker adds no tool-result tokens",
    );

    const byTurn = await runDiffs(store, await store.getRun("scripted"));
    assertEquals(byTurn.size, 4);
    assertEquals(byTurn.get(calls[2].record.id)!.blocks.map((b) => b.change), ["added", "added"]);
    assert(
      diffLine(byTurn.get(calls[1].record.id)!).includes("tool results"),
      diffLine(byTurn.get(calls[1].record.id)!),
    );
  } finally {
    await store.close();
  }
});
