import type { RunTurn } from "../store/contract.ts";

/** The headline numbers of a run. */
export interface RunCards {
  turns: number;
  /** The last turn's prompt tokens over the first's (1 when the context did not grow). */
  context_growth: number;
  /** Share of the last turn's prompt that was assistant history (tool calls included). */
  history_share: number;
  /** Share of the last turn's prompt that was tool results. */
  tool_results_share: number;
  cost_usd: number;
}

/** Computes a run's cards from its turns, in turn order. */
export function runCards(turns: readonly RunTurn[]): RunCards {
  if (turns.length === 0) {
    return { turns: 0, context_growth: 0, history_share: 0, tool_results_share: 0, cost_usd: 0 };
  }
  const first = turns[0];
  const last = turns[turns.length - 1];
  const share = (n: number) => (last.prompt_tokens > 0 ? n / last.prompt_tokens : 0);
  const c = last.components;
  return {
    turns: turns.length,
    context_growth: first.prompt_tokens > 0 ? last.prompt_tokens / first.prompt_tokens : 0,
    history_share: share((c["history (assistant)"] ?? 0) + (c["tool calls"] ?? 0)),
    tool_results_share: share(c["tool results"] ?? 0),
    cost_usd: turns.reduce((n, t) => n + (t.cost_usd ?? 0), 0),
  };
}
