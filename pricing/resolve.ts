import { calcPrice } from "@pydantic/genai-prices";
import meta from "../deno.json" with { type: "json" };
import type { Overrides } from "./overrides.ts";
import type { PriceTable, Rate, ResolvedPrice } from "./price_table.ts";

const DATA = `genai-prices ${
  meta.imports["@pydantic/genai-prices"].replace(/^npm:@pydantic\/genai-prices@\^?/, "")
}`;

/** Providers genai-prices knows, recognised from an upstream's host name. */
const HOSTS: Array<[RegExp, string]> = [
  [/(^|\.)openrouter\.ai$/, "openrouter"],
  [/(^|\.)groq\.com$/, "groq"],
  [/(^|\.)together\.(ai|xyz)$/, "together"],
  [/(^|\.)fireworks\.ai$/, "fireworks"],
  [/(^|\.)deepseek\.com$/, "deepseek"],
  [/(^|\.)mistral\.ai$/, "mistral"],
  [/(^|\.)x\.ai$/, "x-ai"],
  [/(^|\.)googleapis\.com$/, "google"],
  [/(^|\.)azure\.com$/, "azure"],
  [/(^|\.)anthropic\.com$/, "anthropic"],
  [/(^|\.)openai\.com$/, "openai"],
];

/** Providers of the API formats that genai-prices knows under the same id. */
const KNOWN_PROVIDERS = new Set(["openai", "anthropic", "google", "azure"]);

/** Where a call went, to pick the provider's prices. */
export interface PriceContext {
  /** From the endpoint: "openai", "anthropic", "google", "azure" (or "unknown"). */
  provider: string;
  /** The upstream URL the call was sent to, when known. */
  upstream?: string;
  /** When the call happened, for prices that changed over time. */
  at?: Date;
}

/** Model ids to try, most specific first: as given, then without a provider prefix. */
export function modelCandidates(model: string): string[] {
  const out = [model];
  const bare = model.replace(/^[\w.-]+[/:]/, "");
  if (bare !== model) out.push(bare);
  return out;
}

function providerOf(model: string, context: PriceContext): string[] {
  const ids: string[] = [];
  const prefix = /^([\w.-]+)[/:]/.exec(model)?.[1];
  if (context.upstream) {
    try {
      const host = new URL(context.upstream).hostname;
      for (const [pattern, id] of HOSTS) if (pattern.test(host)) ids.push(id);
    } catch { /* not a URL */ }
  }
  if (prefix) ids.push(prefix);
  if (KNOWN_PROVIDERS.has(context.provider)) ids.push(context.provider);
  return [...new Set(ids)];
}

function toRate(value: unknown): Rate | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "object" && value !== null && "base" in value && "tiers" in value) {
    const { base, tiers } = value as {
      base: number;
      tiers: Array<{ start: number; price: number }>;
    };
    return { base, tiers: tiers.map((t) => ({ start: t.start, price: t.price })) };
  }
  return undefined;
}

/** A genai-prices price record as llmprof's table; null when it has no token prices. */
export function toPriceTable(prices: Record<string, unknown>): PriceTable | null {
  const input = toRate(prices.input_mtok);
  const output = toRate(prices.output_mtok);
  if (input === undefined || output === undefined) return null;
  const table: PriceTable = { input_mtok: input, output_mtok: output };
  for (const key of ["cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok"] as const) {
    const rate = toRate(prices[key]);
    if (rate !== undefined) table[key] = rate;
  }
  return table;
}

function lookup(
  model: string,
  providerId: string | undefined,
  at: Date | undefined,
): ResolvedPrice | null {
  const result = calcPrice({ input_tokens: 0 }, model, { providerId, timestamp: at });
  const prices = result ? toPriceTable(result.model_price) : null;
  if (!result || !prices) return null;
  return {
    prices,
    modelId: `${result.provider.id}/${result.model.id}`,
    source: `${DATA}: ${result.provider.id}/${result.model.id}`,
    contextWindow: result.model.context_window ?? null,
  };
}

const NO_OVERRIDES: Overrides = {};
const cache = new WeakMap<Overrides, Map<string, ResolvedPrice | null>>();

/**
 * The prices for a model: an override wins; then genai-prices under the provider the
 * upstream host, a prefix or the API format names; then any provider. Null when unknown.
 */
export function resolvePrice(
  model: string,
  context: PriceContext,
  overrides: Overrides = NO_OVERRIDES,
): ResolvedPrice | null {
  // Searching ~1,700 models is the cost of a price; a call's answer depends only on these.
  const day = (context.at ?? new Date()).toISOString().slice(0, 10);
  const key = `${model}\u0000${context.provider}\u0000${context.upstream ?? ""}\u0000${day}`;
  let known = cache.get(overrides);
  if (!known) cache.set(overrides, known = new Map());
  if (known.has(key)) return known.get(key)!;
  const found = resolveUncached(model, context, overrides);
  if (known.size > 10_000) known.clear();
  known.set(key, found);
  return found;
}

function resolveUncached(
  model: string,
  context: PriceContext,
  overrides: Overrides,
): ResolvedPrice | null {
  for (const candidate of modelCandidates(model)) {
    const table = overrides[candidate];
    if (table) {
      return {
        prices: table,
        modelId: candidate,
        source: `override: ${candidate}`,
        contextWindow: null,
      };
    }
  }
  const providers = providerOf(model, context);
  for (const candidate of modelCandidates(model)) {
    for (const providerId of providers) {
      const found = lookup(candidate, providerId, context.at);
      if (found) return found;
    }
  }
  for (const candidate of modelCandidates(model)) {
    const found = lookup(candidate, undefined, context.at);
    if (found) return found;
  }
  return null;
}
