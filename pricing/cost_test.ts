// Expected costs are computed by hand from the providers' published prices per million tokens.
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import type { Usage } from "../core/record.ts";
import { cacheSaving, callCost, componentCosts } from "./cost.ts";
import { parseOverrides, PricingError } from "./overrides.ts";
import { rateAt } from "./price_table.ts";
import { modelCandidates, resolvePrice } from "./resolve.ts";

function usage(fields: Partial<Usage>): Usage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: 0,
    source: "provider",
    ...fields,
  };
}

const close = (actual: number, expected: number) =>
  assert(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

Deno.test("a Claude Sonnet 4.6 call with 5-minute and 1-hour cache writes and cache reads", () => {
  // $3 input, $3.75 5-minute write, $6 1-hour write, $0.30 read, $15 output per million.
  const price = resolvePrice("claude-sonnet-4-6", { provider: "anthropic" })!;
  assertEquals(price.source.endsWith("anthropic/claude-sonnet-4-6"), true);
  // Anthropic reported input_tokens 1,000, cache_read 20,000, cache_creation 3,000 (1,000 5m + 2,000 1h).
  const cost = callCost(
    usage({
      input_tokens: 24_000,
      cache_read_tokens: 20_000,
      cache_write_tokens: 3_000,
      cache_write_1h_tokens: 2_000,
      output_tokens: 500,
    }),
    price.prices,
  );
  close(cost.input_usd, (1_000 * 3 + 20_000 * 0.3 + 1_000 * 3.75 + 2_000 * 6) / 1e6); // $0.02475
  close(cost.output_usd, (500 * 15) / 1e6); // $0.0075
  close(cost.total_usd, 0.03225);
});

Deno.test("a GPT-5 call with cached input and reasoning tokens", () => {
  // $1.25 input, $0.125 cached input, $10 output per million; reasoning is billed as output.
  const price = resolvePrice("gpt-5-2025-08-07", { provider: "openai" })!;
  const cost = callCost(
    usage({
      input_tokens: 10_000,
      cache_read_tokens: 8_000,
      output_tokens: 2_000,
      reasoning_tokens: 1_500,
    }),
    price.prices,
  );
  close(cost.input_usd, (2_000 * 1.25 + 8_000 * 0.125) / 1e6); // $0.0035
  close(cost.output_usd, (2_000 * 10) / 1e6); // $0.02
  close(cost.total_usd, 0.0235);
});

Deno.test("a prompt above 200k tokens is billed whole at the long-context tier", () => {
  // Claude Sonnet 4.5: $3 / $15 up to 200k prompt tokens; $6 / $22.50 for the whole request above.
  const price = resolvePrice("claude-sonnet-4-5", { provider: "anthropic" })!;
  const big = callCost(
    usage({ input_tokens: 250_000, cache_read_tokens: 100_000, output_tokens: 1_000 }),
    price.prices,
  );
  close(big.input_usd, (150_000 * 6 + 100_000 * 0.6) / 1e6); // $0.96
  close(big.output_usd, (1_000 * 22.5) / 1e6);
  const edge = callCost(usage({ input_tokens: 200_000 }), price.prices);
  close(edge.input_usd, (200_000 * 3) / 1e6);
  assertEquals(
    rateAt({ base: 1, tiers: [{ start: 10, price: 2 }, { start: 5, price: 1.5 }] }, 7),
    1.5,
  );
});

Deno.test("overrides win over the base data, in the short and the object form", () => {
  const overrides = parseOverrides({
    "gpt-4o": [0.001, 0.002],
    "my-local-llama": { input: 0.2, output: 0.4, cache_read: 0.05 },
  });
  const short = resolvePrice("gpt-4o", { provider: "openai" }, overrides)!;
  assertEquals(short.source, "override: gpt-4o");
  const cost = callCost(usage({ input_tokens: 1_000_000, output_tokens: 1_000_000 }), short.prices);
  close(cost.input_usd, 1); // $0.001 per 1k = $1 per million
  close(cost.output_usd, 2);
  const local = resolvePrice("openai/my-local-llama", { provider: "openai" }, overrides)!;
  close(
    callCost(usage({ input_tokens: 1_000_000, cache_read_tokens: 1_000_000 }), local.prices)
      .input_usd,
    0.05,
  );
});

Deno.test("malformed overrides are refused with the key that is wrong", () => {
  assertThrows(
    () => parseOverrides({ "m": [1] }),
    PricingError,
    'Invalid price override "m": the short form is [input_per_1k, output_per_1k]',
  );
  assertThrows(
    () => parseOverrides({ "m": { input: 1, output: "2" } }),
    PricingError,
    '"output" must be a non-negative number',
  );
  assertThrows(
    () => parseOverrides({ "m": { input: 1, output: 2, cached: 1 } }),
    PricingError,
    'unknown field "cached"',
  );
  assertThrows(
    () => parseOverrides({ "m": { input: 1 } }),
    PricingError,
    '"input" and "output" are required',
  );
  assertThrows(() => parseOverrides([1, 2]), PricingError, "must be a JSON object");
});

Deno.test("model ids resolve through dated snapshots, provider prefixes and upstream hosts", () => {
  assertEquals(resolvePrice("gpt-4o-2024-08-06", { provider: "openai" })?.modelId, "openai/gpt-4o");
  assertEquals(resolvePrice("openai/gpt-4o", { provider: "unknown" })?.modelId, "openai/gpt-4o");
  assertEquals(
    resolvePrice("anthropic/claude-sonnet-4-6", { provider: "openai" })?.modelId,
    "anthropic/claude-sonnet-4-6",
  );
  assertEquals(
    resolvePrice("claude-sonnet-4-6-20260101", { provider: "anthropic" })?.modelId,
    "anthropic/claude-sonnet-4-6",
  );
  const groq = resolvePrice("llama-3.3-70b-versatile", {
    provider: "openai",
    upstream: "https://api.groq.com/openai",
  });
  assertEquals(groq?.modelId, "groq/llama-3.3-70b-versatile");
  assertEquals(modelCandidates("openrouter:anthropic/claude"), [
    "openrouter:anthropic/claude",
    "anthropic/claude",
  ]);
});

Deno.test("an unknown model has no price, never a guess", () => {
  assertEquals(resolvePrice("my-unreleased-model-9000", { provider: "openai" }), null);
});

Deno.test("component costs follow the layout: the cached prefix at the read rate, and add up to the input cost", () => {
  const rates = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 };
  const u = usage({ input_tokens: 10_000, cache_read_tokens: 6_000, cache_write_tokens: 1_000 });
  const costs = componentCosts(
    [
      { component: "tool schemas", tokens: 2_000 },
      { component: "system prompt", tokens: 3_000 },
      { component: "user input", tokens: 1_500 },
      { component: "tool results", tokens: 3_000 },
      { component: "user input", tokens: 500 },
    ],
    u,
    rates,
  );
  close(costs.get("tool schemas")!, (2_000 * 0.3) / 1e6);
  close(costs.get("system prompt")!, (3_000 * 0.3) / 1e6);
  // user input: 1,000 cached, 500 written, then 500 uncached at the end.
  close(costs.get("user input")!, (1_000 * 0.3 + 500 * 3.75 + 500 * 3) / 1e6);
  close(costs.get("tool results")!, (500 * 3.75 + 2_500 * 3) / 1e6);
  const total = [...costs.values()].reduce((a, b) => a + b, 0);
  close(
    total,
    callCost(u, { input_mtok: 3, output_mtok: 15, cache_read_mtok: 0.3, cache_write_mtok: 3.75 })
      .input_usd,
  );
});

Deno.test("cacheSaving is what a stretch of the prompt was paid above the cache-read rate", () => {
  const rates = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 };
  // 1,000 read, 4,000 written (5 minutes), 1,000 uncached.
  const u = usage({ input_tokens: 6_000, cache_read_tokens: 1_000, cache_write_tokens: 4_000 });
  assertEquals(cacheSaving({ from: 0, to: 1_000 }, u, rates), 0, "already read from cache");
  const saving = cacheSaving({ from: 1_000, to: 6_000 }, u, rates);
  assert(Math.abs(saving - (4_000 * (3.75 - 0.3) + 1_000 * (3 - 0.3)) / 1e6) < 1e-12);
});
