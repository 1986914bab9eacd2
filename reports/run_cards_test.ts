import { assertEquals } from "../testing/assert.ts";
import { runCards } from "./run_cards.ts";

const turn = (
  n: number,
  prompt: number,
  components: Record<string, number>,
  cost: number | null,
) => ({
  call_id: `c${n}`,
  turn: n,
  created_at: "2026-11-27T10:00:00.000Z",
  prompt_tokens: prompt,
  components,
  cost_usd: cost,
});

Deno.test("runCards measures growth, the last turn's history and tool-result shares, and the run's cost", () => {
  const cards = runCards([
    turn(1, 1_000, { "system prompt": 1_000 }, 0.01),
    turn(2, 4_000, {
      "system prompt": 1_000,
      "tool results": 2_000,
      "history (assistant)": 500,
      "tool calls": 500,
    }, 0.03),
    turn(3, 10_000, {
      "system prompt": 1_000,
      "tool results": 6_000,
      "history (assistant)": 2_000,
      "tool calls": 1_000,
    }, null),
  ]);
  assertEquals(cards, {
    turns: 3,
    context_growth: 10,
    history_share: 0.3,
    tool_results_share: 0.6,
    cost_usd: 0.04,
  });
  assertEquals(runCards([]).turns, 0);
});
