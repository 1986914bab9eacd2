import type { Usage } from "../core/record.ts";
import { type AppliedRates, type PriceTable, ratesFor } from "./price_table.ts";

/** A call's cost in dollars. */
export interface CallCost {
  input_usd: number;
  output_usd: number;
  total_usd: number;
  rates: AppliedRates;
}

/**
 * What a call cost: uncached input, cache reads, 5-minute and 1-hour cache writes at their
 * rates, and output (which includes reasoning tokens, as providers bill them), all at the
 * tier the prompt's size selects.
 */
export function callCost(usage: Usage, prices: PriceTable): CallCost {
  const rates = ratesFor(prices, usage.input_tokens);
  const write1h = Math.min(usage.cache_write_1h_tokens, usage.cache_write_tokens);
  const write5m = usage.cache_write_tokens - write1h;
  const uncached = Math.max(
    0,
    usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens,
  );
  const input_usd = (uncached * rates.input + usage.cache_read_tokens * rates.cacheRead +
    write5m * rates.cacheWrite +
    write1h * rates.cacheWrite1h) / 1e6;
  const output_usd = (usage.output_tokens * rates.output) / 1e6;
  return { input_usd, output_usd, total_usd: input_usd + output_usd, rates };
}

/** A stretch of the prompt, in the order the provider lays it out. */
export interface LayoutPart {
  component: string;
  tokens: number;
}

/** Where each rate ends along the prompt: cache reads first, then 1-hour and 5-minute writes, then the rest. */
function rateZones(usage: Usage, rates: AppliedRates): Array<[end: number, rate: number]> {
  const write1h = Math.min(usage.cache_write_1h_tokens, usage.cache_write_tokens);
  const zones: Array<[end: number, rate: number]> = [];
  let edge = 0;
  for (
    const [tokens, rate] of [
      [usage.cache_read_tokens, rates.cacheRead],
      [write1h, rates.cacheWrite1h],
      [usage.cache_write_tokens - write1h, rates.cacheWrite],
      [Infinity, rates.input],
    ] as const
  ) {
    edge += tokens;
    zones.push([edge, rate]);
  }
  return zones;
}

function zonedCost(zones: ReadonlyArray<[number, number]>, from: number, to: number): number {
  let usd = 0;
  let start = from;
  for (const [zoneEnd, rate] of zones) {
    if (start >= to) break;
    if (start >= zoneEnd) continue;
    const upto = Math.min(to, zoneEnd);
    usd += ((upto - start) * rate) / 1e6;
    start = upto;
  }
  return usd;
}

/**
 * What a call paid for the prompt's tokens from `from` to `to` (in layout order), above
 * what they would have cost read from cache: the saving had they been cached. The prompt
 * is priced as the call was (cached prefix, then cache writes, then the input rate).
 */
export function cacheSaving(
  range: { from: number; to: number },
  usage: Usage,
  rates: AppliedRates,
): number {
  const paid = zonedCost(rateZones(usage, rates), range.from, range.to);
  return Math.max(0, paid - ((range.to - range.from) * rates.cacheRead) / 1e6);
}

/**
 * Each component's share of the input cost, walking the prompt in layout order: the cached
 * prefix at the cache-read rate, then 1-hour and 5-minute cache writes, then the rest at the
 * input rate. The shares add up to the call's input cost.
 */
export function componentCosts(
  layout: readonly LayoutPart[],
  usage: Usage,
  rates: AppliedRates,
): Map<string, number> {
  const zones = rateZones(usage, rates);
  const costs = new Map<string, number>();
  let at = 0;
  for (const part of layout) {
    const end = at + part.tokens;
    costs.set(part.component, (costs.get(part.component) ?? 0) + zonedCost(zones, at, end));
    at = end;
  }
  return costs;
}
