import { assertEquals } from "../testing/assert.ts";
import { biggestJump, runCards } from "./run_cards.ts";

const turn = (
  n: number,
  prompt: number,
  components: Record<string, number>,
  cost: number | null,
  cached = 0,
) => ({
  call_id: `c${n}`,
  turn: n,
  created_at: "2026-11-27T10:00:00.000Z",
  prompt_tokens: prompt,
  cache_read_tokens: cached,
  components,
  cost_usd: cost,
});

Deno.test("runCards measures growth, the last turn's history and tool-result shares, and the run's cost", () => {
  const cards = runCards([
    turn(1, 1_000, { "system prompt": 1_000 }, 0.01),
    turn(
      2,
      4_000,
      {
        "system prompt": 1_000,
        "tool results": 2_000,
        "history (assistant)": 500,
        "tool calls": 500,
      },
      0.03,
      1_000,
    ),
    turn(
      3,
      10_000,
      {
        "system prompt": 1_000,
        "tool results": 6_000,
        "history (assistant)": 2_000,
        "tool calls": 1_000,
      },
      null,
      4_000,
    ),
  ]);
  assertEquals(cards, {
    turns: 3,
    context_growth: 10,
    history_share: 0.3,
    tool_results_share: 0.6,
    cost_usd: 0.04,
    // 5,000 of the 15,000 prompt tokens came from the cache.
    cache_read_share: 5_000 / 15_000,
    // Turn 3 grew by 6,000 tokens, turn 2 by 3,000.
    biggest_jump: { turn: 3, call_id: "c3", from: 4_000, to: 10_000, delta: 6_000 },
  });
  assertEquals(runCards([]).turns, 0);
});

Deno.test("a run whose context never grew has no biggest jump", () => {
  assertEquals(biggestJump([turn(1, 500, {}, 0), turn(2, 500, {}, 0), turn(3, 200, {}, 0)]), null);
  assertEquals(biggestJump([turn(1, 500, {}, 0)]), null);
});
