import type { Provider } from "../core/call.ts";
import { cacheSaving } from "../pricing/cost.ts";
import type { AppliedRates } from "../pricing/price_table.ts";
import type { OutlineBlock } from "../analysis/outline.ts";
import { PROMPT_CACHE } from "../pricing/prompt_cache.ts";
import type { Finding, PromptChange, Usage } from "../core/record.ts";

/** What cache diagnosis knows of one turn. */
export interface TurnFacts {
  provider: Provider;
  /** When the call started, in milliseconds since the epoch. */
  at: number;
  usage: Usage;
  outline: readonly OutlineBlock[];
  /** The call's applied rates; null when its model has no price. */
  rates: AppliedRates | null;
  /** It continues a stored response (previous_response_id), so its request lacks the earlier prompt. */
  stateful?: boolean;
}

/** Characters of context shown either side of a change. */
const EXCERPT = 32;
/** A shortfall smaller than this is rounding, not a break. */
const MIN_SHORTFALL = 128;

/** A prompt change located in the later turn: what changed, and how many tokens came before it. */
export interface LocatedChange extends PromptChange {
  /** Tokens of the later prompt before the change (estimated within the block). */
  tokens: number;
  /** The same tools were sent in a different order. */
  reordered: boolean;
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function excerpt(text: string, at: number): string {
  const from = Math.max(0, at - EXCERPT);
  const to = Math.min(text.length, at + EXCERPT);
  const body = text.slice(from, to).replace(/\s+/g, " ");
  return `${from > 0 ? "…" : ""}${body}${to < text.length ? "…" : ""}`;
}

function toolOrder(outline: readonly OutlineBlock[]): string[] {
  return outline.filter((b) => b.component === "tool schemas").map((b) => b.label ?? "");
}

/**
 * Where a later turn's prompt first differs from an earlier one's, walking both in the
 * provider's layout; null when the later prompt only extends the earlier.
 */
export function firstChange(
  earlier: readonly OutlineBlock[],
  later: readonly OutlineBlock[],
): LocatedChange | null {
  const n = Math.min(earlier.length, later.length);
  let i = 0;
  while (
    i < n && earlier[i].text === later[i].text && earlier[i].component === later[i].component &&
    earlier[i].label === later[i].label && earlier[i].message === later[i].message
  ) i++;
  if (i === later.length && i === earlier.length) return null;
  if (i === earlier.length) return null;
  const was = earlier[i];
  const now = later[i] ?? null;
  const start = i > 0 ? later[i - 1].end : 0;
  if (now === null) {
    // The later prompt stops where the earlier went on: its end was cut.
    return {
      component: was.component,
      message: was.message,
      label: was.label,
      offset: 0,
      before: excerpt(was.text, 0),
      after: "(removed)",
      tokens: start,
      reordered: false,
    };
  }
  const same = was.component === now.component && was.label === now.label &&
    was.message === now.message;
  const offset = same ? commonPrefix(was.text, now.text) : 0;
  const share = now.text.length > 0 ? offset / now.text.length : 0;
  const earlierTools = toolOrder(earlier);
  const laterTools = toolOrder(later);
  return {
    component: now.component,
    message: now.message,
    label: now.label,
    offset,
    before: excerpt(was.text, offset),
    after: excerpt(now.text, offset),
    tokens: Math.round(start + (now.end - start) * share),
    reordered: now.component === "tool schemas" && earlierTools.join("\u0000") !==
        laterTools.join("\u0000") &&
      [...earlierTools].sort().join("\u0000") === [...laterTools].sort().join("\u0000"),
  };
}

/** OpenAI's models, on OpenAI or Azure, cache every prompt prefix of 1,024+ tokens. */
function cachesAutomatically(turn: TurnFacts): boolean {
  return turn.provider === "openai" || turn.provider === "azure";
}

/** Tokens of the previous turn's prompt the provider holds in cache once it has answered. */
function cachedAfter(turn: TurnFacts): number {
  const { usage } = turn;
  if (usage.cache_write_tokens > 0) return usage.cache_read_tokens + usage.cache_write_tokens;
  if (cachesAutomatically(turn) && usage.input_tokens >= PROMPT_CACHE.minTokens) {
    return Math.floor(usage.input_tokens / PROMPT_CACHE.stepTokens) * PROMPT_CACHE.stepTokens;
  }
  return usage.cache_read_tokens;
}

function where(change: PromptChange): string {
  const part = change.label ? `${change.component} (${change.label})` : change.component;
  return change.message === null ? part : `message ${change.message}, ${part}`;
}

/**
 * Diagnoses a turn that read fewer cached tokens than the previous turn of its run left in
 * cache: where the prompt first changed, and what re-sending the rest at full rate cost.
 * When nothing changed before the cached part ended, the cache expired: an advisory.
 */
export function diagnoseCacheBreak(previous: TurnFacts, turn: TurnFacts): Finding | null {
  const { usage, rates } = turn;
  if (rates === null || rates.cacheRead >= rates.input) return null;
  // A request that continues a stored response sends only what is new: no prefix to compare.
  if (turn.stateful || previous.stateful) return null;
  const expected = Math.min(cachedAfter(previous), usage.input_tokens);
  const shortfall = expected - usage.cache_read_tokens;
  if (shortfall < Math.max(MIN_SHORTFALL, expected * 0.05)) return null;

  const change = firstChange(previous.outline, turn.outline);
  if (change === null || change.tokens >= expected - MIN_SHORTFALL) {
    const seconds = Math.round((turn.at - previous.at) / 1000);
    const why = turn.at - previous.at > PROMPT_CACHE.ttlMs
      ? `the cache had likely expired (${
        seconds.toLocaleString("en")
      } s between the turns; caches live about 5 minutes)`
      : cachesAutomatically(turn)
      ? `the provider did not serve it from cache ${
        seconds.toLocaleString("en")
      } s later (a prompt_cache_key keeps a run's calls on one cache)`
      : `the provider did not serve it from cache ${seconds.toLocaleString("en")} s later`;
    return {
      kind: "advisory",
      tokens: shortfall,
      usd: null,
      detail: `this turn read ${
        usage.cache_read_tokens.toLocaleString("en")
      } cached tokens of the ${
        expected.toLocaleString("en")
      } the previous turn left in cache, though that prefix did not change: ${why}`,
    };
  }
  const lost = cacheSaving({ from: usage.cache_read_tokens, to: expected }, usage, rates);
  const cause = change.reordered
    ? "the tool list was reordered"
    : change.after === "(removed)"
    ? "part of the earlier prompt was removed"
    : `“${change.before}” became “${change.after}”`;
  const { tokens: _tokens, reordered: _reordered, ...located } = change;
  return {
    kind: "cache_break",
    tokens: shortfall,
    usd: lost,
    detail:
      `cache break at ${where(change)}, character ${
        change.offset.toLocaleString("en")
      }: ${cause}; ` +
      `${shortfall.toLocaleString("en")} tokens the previous turn had cached were paid again`,
    change: located,
  };
}
