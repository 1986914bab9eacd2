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
  /** Share of all the run's prompt tokens that the provider served from its cache. */
  cache_read_share: number;
  /** The turn whose prompt grew most over the turn before it; null for a run that never grew. */
  biggest_jump: ContextJump | null;
}

/** A turn whose prompt grew over the turn before it. */
export interface ContextJump {
  turn: number;
  call_id: string;
  from: number;
  to: number;
  /** Tokens added: `to − from`. */
  delta: number;
}

/** The turn whose prompt grew most over the turn before it, or null when no turn grew. */
export function biggestJump(turns: readonly RunTurn[]): ContextJump | null {
  let best: ContextJump | null = null;
  for (let i = 1; i < turns.length; i++) {
    const delta = turns[i].prompt_tokens - turns[i - 1].prompt_tokens;
    if (delta > 0 && (best === null || delta > best.delta)) {
      best = {
        turn: turns[i].turn,
        call_id: turns[i].call_id,
        from: turns[i - 1].prompt_tokens,
        to: turns[i].prompt_tokens,
        delta,
      };
    }
  }
  return best;
}

/** Computes a run's cards from its turns, in turn order. */
export function runCards(turns: readonly RunTurn[]): RunCards {
  if (turns.length === 0) {
    return {
      turns: 0,
      context_growth: 0,
      history_share: 0,
      tool_results_share: 0,
      cost_usd: 0,
      cache_read_share: 0,
      biggest_jump: null,
    };
  }
  const first = turns[0];
  const last = turns[turns.length - 1];
  const share = (n: number) => (last.prompt_tokens > 0 ? n / last.prompt_tokens : 0);
  const c = last.components;
  const prompt = turns.reduce((n, t) => n + t.prompt_tokens, 0);
  return {
    turns: turns.length,
    context_growth: first.prompt_tokens > 0 ? last.prompt_tokens / first.prompt_tokens : 0,
    history_share: share((c["history (assistant)"] ?? 0) + (c["tool calls"] ?? 0)),
    tool_results_share: share(c["tool results"] ?? 0),
    cost_usd: turns.reduce((n, t) => n + (t.cost_usd ?? 0), 0),
    cache_read_share: prompt > 0 ? turns.reduce((n, t) => n + t.cache_read_tokens, 0) / prompt : 0,
    biggest_jump: biggestJump(turns),
  };
}
