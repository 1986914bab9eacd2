import type { Provider } from "../core/call.ts";
import { cacheSaving } from "../pricing/cost.ts";
import type { AppliedRates } from "../pricing/price_table.ts";
import { Lru } from "../core/lru.ts";
import type { StablePrefix } from "../analysis/outline.ts";
import { PROMPT_CACHE } from "../pricing/prompt_cache.ts";
import type { CallRecord, Finding, Usage } from "../core/record.ts";
import type { ToolUse } from "../analysis/tool_use.ts";

/** What route findings need of one call. */
export interface RouteCall {
  provider: Provider;
  /** When the call started, in milliseconds since the epoch. */
  at: number;
  usage: Usage;
  rates: AppliedRates | null;
  stablePrefix: StablePrefix | null;
  /** Each tool shipped: its schema's tokens and their share of the input cost. */
  tools: ReadonlyArray<{ name: string; tokens: number; usd: number | null }>;
  /** Tools this call shows in use: called in its history or its response. */
  used: readonly string[];
}

/** What is known of one route across the calls seen. */
export interface RouteState {
  calls: number;
  used: Set<string>;
  /** When each stable prefix was last sent. */
  prefixes: Map<string, number>;
}

/** Settings of the route findings. */
export interface RouteRules {
  /** Calls of a route before a tool never called is claimed unused. Default 20. */
  minCalls: number;
  /** How long a provider keeps a prompt prefix cached. Default 5 minutes. */
  cacheTtlMs: number;
}

const DEFAULT_RULES: RouteRules = { minCalls: 20, cacheTtlMs: PROMPT_CACHE.ttlMs };
/** Stable prefixes remembered per route. */
const PREFIXES_PER_ROUTE = 16;

/** The tools a call shows: schemas shipped (tokens and cost) and tools in use, in its history or its response. */
export function routeTools(record: CallRecord, tools: ToolUse): Pick<RouteCall, "tools" | "used"> {
  const schemas = record.attribution?.components.find((c) => c.name === "tool schemas");
  const total = tools.shipped.reduce((n, t) => n + t.tokens, 0);
  const cost = schemas?.cost_usd ?? null;
  return {
    tools: tools.shipped.map((t) => ({
      name: t.name,
      tokens: t.tokens,
      usd: cost === null ? null : total > 0 ? (cost * t.tokens) / total : 0,
    })),
    used: [
      ...tools.called,
      ...tools.returned,
      ...(record.response?.tool_calls.map((c) => c.name) ?? []),
    ],
  };
}

/** Tools shipped on every call of the route and never called in `minCalls` or more of them. */
export function unusedTools(state: RouteState, call: RouteCall, rules: RouteRules): Finding | null {
  if (state.calls < rules.minCalls) return null;
  const unused = call.tools.filter((t) => !state.used.has(t.name));
  // Shares of a scaled-down prompt are fractional; the finding claims whole tokens.
  const tokens = Math.round(unused.reduce((n, t) => n + t.tokens, 0));
  if (unused.length === 0 || tokens === 0) return null;
  const priced = unused.every((t) => t.usd !== null);
  const names = unused.map((t) => t.name);
  const shown = names.length > 6
    ? `${names.slice(0, 6).join(", ")} and ${names.length - 6} more`
    : names.join(", ");
  return {
    kind: "unused_tools",
    tokens,
    usd: priced ? unused.reduce((n, t) => n + t.usd!, 0) : null,
    detail: `${unused.length} of ${call.tools.length} tools were never called in ${
      state.calls.toLocaleString("en")
    } calls of this route (${shown}); their schemas cost ${
      tokens.toLocaleString("en")
    } tokens a call`,
  };
}

/**
 * The system prompt and tool schemas sent again within the cache's lifetime with nothing
 * read from cache: the saving is the difference to the cache-read rate. Tokens already
 * claimed by another finding (unused tools) are left out.
 */
export function uncachedPrefix(
  lastSentAt: number | undefined,
  call: RouteCall,
  options: RouteRules & { claimed?: number },
): Finding | null {
  const { stablePrefix, usage, rates } = call;
  if (!stablePrefix || !rates || rates.cacheRead >= rates.input) return null;
  if (lastSentAt === undefined || call.at - lastSentAt > options.cacheTtlMs) return null;
  if (stablePrefix.tokens < PROMPT_CACHE.minTokens || usage.cache_read_tokens > 0) return null;
  const tokens = Math.max(0, stablePrefix.tokens - (options.claimed ?? 0));
  if (tokens === 0) return null;
  const usd = cacheSaving({ from: 0, to: tokens }, usage, rates);
  const how = call.provider === "anthropic"
    ? "put a cache_control breakpoint after the system prompt"
    : call.provider === "google"
    ? "move it into a cachedContent (Gemini context caching), or keep it byte-identical at the start of the prompt for Gemini 2.5's implicit cache"
    : "keep it byte-identical at the start of the prompt (OpenAI caches 1,024+ token prefixes automatically; prompt_cache_key helps)";
  const seconds = Math.round((call.at - lastSentAt) / 1000);
  return {
    kind: "uncached_prefix",
    tokens,
    usd,
    detail: `the same ${
      stablePrefix.tokens.toLocaleString("en")
    }-token system prompt and tool schemas were sent ${
      seconds.toLocaleString("en")
    } s after the previous call of this route and read nothing from cache: ${how}`,
  };
}

/**
 * Findings that need more than one call of a route: tools never used across the route's
 * calls, and a stable prefix sent again without cache reads. Keeps a bounded memory of
 * recent routes; what it knows starts afresh when llmprof restarts.
 */
export class RouteLedger {
  readonly #routes: Lru<string, RouteState>;
  readonly #rules: RouteRules;

  constructor(options: Partial<RouteRules> & { maxRoutes?: number } = {}) {
    this.#routes = new Lru(options.maxRoutes ?? 2_000);
    this.#rules = { ...DEFAULT_RULES, ...options };
  }

  /** Records a call of `route` and returns the route findings it carries. */
  observe(route: string, call: RouteCall): Finding[] {
    let state = this.#routes.get(route);
    if (!state) {
      state = { calls: 0, used: new Set(), prefixes: new Map() };
      this.#routes.set(route, state);
    }
    state.calls++;
    for (const name of call.used) state.used.add(name);
    const findings: Finding[] = [];
    const unused = unusedTools(state, call, this.#rules);
    if (unused) findings.push(unused);
    if (call.stablePrefix) {
      const uncached = uncachedPrefix(state.prefixes.get(call.stablePrefix.hash), call, {
        ...this.#rules,
        claimed: unused?.tokens ?? 0,
      });
      if (uncached) findings.push(uncached);
      state.prefixes.delete(call.stablePrefix.hash);
      state.prefixes.set(call.stablePrefix.hash, call.at);
      if (state.prefixes.size > PREFIXES_PER_ROUTE) {
        state.prefixes.delete(state.prefixes.keys().next().value!);
      }
    }
    return findings;
  }
}
