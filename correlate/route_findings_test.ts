import { assert, assertAlmostEquals, assertEquals } from "../testing/assert.ts";
import type { Usage } from "../core/record.ts";
import { type RouteCall, RouteLedger, uncachedPrefix, unusedTools } from "./route_findings.ts";

const GPT4O = { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 2.5, cacheWrite1h: 2.5 };
const RULES = { minCalls: 20, cacheTtlMs: 300_000 };

function usage(read = 0, input = 4_000): Usage {
  return {
    input_tokens: input,
    output_tokens: 10,
    cache_read_tokens: read,
    cache_write_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: 0,
    source: "provider",
  };
}

function call(extra: Partial<RouteCall> = {}): RouteCall {
  return {
    provider: "openai",
    at: 1_000_000,
    usage: usage(),
    rates: GPT4O,
    stablePrefix: { hash: "p1", tokens: 3_000 },
    tools: [
      { name: "read_file", tokens: 200, usd: 0.0005 },
      { name: "send_email", tokens: 300, usd: 0.00075 },
    ],
    used: [],
    ...extra,
  };
}

Deno.test("a tool never called is claimed only once the route has enough calls", () => {
  const state = { calls: 19, used: new Set(["read_file"]), prefixes: new Map() };
  assertEquals(unusedTools(state, call(), RULES), null);
  state.calls = 20;
  const finding = unusedTools(state, call(), RULES);
  assertEquals([finding?.kind, finding?.tokens, finding?.usd], ["unused_tools", 300, 0.00075]);
  assert(finding!.detail.includes("send_email") && finding!.detail.includes("20 calls"));
});

Deno.test("a route that calls all its tools has no unused tools", () => {
  const state = { calls: 50, used: new Set(["read_file", "send_email"]), prefixes: new Map() };
  assertEquals(unusedTools(state, call(), RULES), null);
});

Deno.test("an uncached stable prefix saves the difference to the cache-read rate", () => {
  const finding = uncachedPrefix(1_000_000 - 30_000, call(), RULES);
  assertEquals([finding?.kind, finding?.tokens], ["uncached_prefix", 3_000]);
  assertAlmostEquals(finding!.usd!, 3_000 * (2.5 - 1.25) / 1e6, 1e-12);
  assert(finding!.detail.includes("30 s"));
});

Deno.test("no uncached-prefix claim for a first call, a cold cache, a read, a small prefix or no cache price", () => {
  assertEquals(uncachedPrefix(undefined, call(), RULES), null, "first call of the route");
  assertEquals(uncachedPrefix(0, call(), RULES), null, "the cache would have expired");
  assertEquals(uncachedPrefix(999_000, call({ usage: usage(1_024) }), RULES), null, "it read");
  assertEquals(
    uncachedPrefix(999_000, call({ stablePrefix: { hash: "p", tokens: 900 } }), RULES),
    null,
    "below what providers cache",
  );
  assertEquals(
    uncachedPrefix(999_000, call({ rates: { ...GPT4O, cacheRead: 2.5 } }), RULES),
    null,
    "no cheaper cache rate",
  );
});

Deno.test("the route ledger leaves tokens claimed as unused tools out of the uncached prefix", () => {
  const ledger = new RouteLedger({ minCalls: 3 });
  const found = [1, 2, 3].map((i) =>
    ledger.observe("route", call({ at: 1_000_000 + i * 1_000, used: ["read_file"] }))
  );
  assertEquals(found[0], [], "the first call is only seen");
  assertEquals(found[1].map((f) => f.kind), ["uncached_prefix"]);
  assertEquals(found[2].map((f) => [f.kind, f.tokens]), [
    ["unused_tools", 300],
    ["uncached_prefix", 2_700],
  ]);
});
