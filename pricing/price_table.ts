/** A rate in dollars per million tokens, flat or tiered by the prompt's size. */
export type Rate = number | { base: number; tiers: Array<{ start: number; price: number }> };

/** What a model's tokens cost, in dollars per million tokens. */
export interface PriceTable {
  input_mtok: Rate;
  output_mtok: Rate;
  /** Defaults to the input rate when missing. */
  cache_read_mtok?: Rate;
  /** 5-minute cache writes; defaults to the input rate when missing. */
  cache_write_mtok?: Rate;
  /** 1-hour cache writes; defaults to the 5-minute write rate when missing. */
  cache_write_1h_mtok?: Rate;
}

/** A resolved price: the table, the model id it was found under, and where it came from. */
export interface ResolvedPrice {
  prices: PriceTable;
  modelId: string;
  source: string;
  /** The model's context window in tokens, when known. */
  contextWindow: number | null;
}

/**
 * A rate's dollars per million tokens for a prompt of `promptTokens`: a tier applies to the
 * whole request once the prompt is above its start (how Anthropic and Google bill).
 */
export function rateAt(rate: Rate | undefined, promptTokens: number): number | undefined {
  if (rate === undefined) return undefined;
  if (typeof rate === "number") return rate;
  let price = rate.base;
  for (const tier of [...rate.tiers].sort((a, b) => a.start - b.start)) {
    if (promptTokens > tier.start) price = tier.price;
  }
  return price;
}

/** Per-million rates that applied to one call, with the defaults filled in. */
export interface AppliedRates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
}

/** The rates a table gives a prompt of `promptTokens`. */
export function ratesFor(prices: PriceTable, promptTokens: number): AppliedRates {
  const input = rateAt(prices.input_mtok, promptTokens)!;
  const cacheWrite = rateAt(prices.cache_write_mtok, promptTokens) ?? input;
  return {
    input,
    output: rateAt(prices.output_mtok, promptTokens)!,
    cacheRead: rateAt(prices.cache_read_mtok, promptTokens) ?? input,
    cacheWrite,
    cacheWrite1h: rateAt(prices.cache_write_1h_mtok, promptTokens) ?? cacheWrite,
  };
}
