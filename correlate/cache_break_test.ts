import { assert, assertAlmostEquals, assertEquals } from "../testing/assert.ts";
import { diagnoseCacheBreak, firstChange, type TurnFacts } from "./cache_break.ts";
import type { OutlineBlock } from "../analysis/outline.ts";
import type { Usage } from "../core/record.ts";

const SONNET = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 };

function block(
  component: OutlineBlock["component"],
  text: string,
  end: number,
  extra: Partial<OutlineBlock> = {},
): OutlineBlock {
  return { component, label: null, message: null, text, end, ...extra };
}

function usage(read: number, write: number, input: number): Usage {
  return {
    input_tokens: input,
    output_tokens: 10,
    cache_read_tokens: read,
    cache_write_tokens: write,
    cache_write_1h_tokens: 0,
    reasoning_tokens: 0,
    source: "provider",
  };
}

const tools = [
  block("tool schemas", '{"name":"read_file"}', 500, { label: "read_file" }),
  block("tool schemas", '{"name":"grep"}', 1000, { label: "grep" }),
];
const system = (time: string) =>
  block("system prompt", `You are an agent. The time is ${time}. Be careful.`, 5000);
const user = block("user input", "Fix the build.", 5010, { message: 0 });

function turn(outline: OutlineBlock[], u: Usage, at = 0): TurnFacts {
  return { provider: "anthropic", at, usage: u, outline, rates: SONNET };
}

Deno.test("firstChange finds a changed timestamp in the system prompt with its offset and excerpts", () => {
  const change = firstChange([...tools, system("10:00:01"), user], [
    ...tools,
    system("10:01:07"),
    user,
  ]);
  assertEquals(change?.component, "system prompt");
  assertEquals(change?.message, null);
  assertEquals(change?.offset, "You are an agent. The time is 10:0".length);
  assert(change!.before.includes("10:00:01") && change!.after.includes("10:01:07"));
  assert(change!.tokens > 1000 && change!.tokens < 5000, `at ${change!.tokens} tokens`);
  assertEquals(change?.reordered, false);
});

Deno.test("firstChange recognises a reordered tool list", () => {
  const change = firstChange([...tools, system("x")], [tools[1], tools[0], system("x")]);
  assertEquals([change?.component, change?.label, change?.reordered, change?.tokens], [
    "tool schemas",
    "grep",
    true,
    0,
  ]);
});

Deno.test("firstChange is null when the later prompt only extends the earlier", () => {
  assertEquals(firstChange([...tools, system("x")], [...tools, system("x"), user]), null);
});

Deno.test("firstChange reports a message removed from the history", () => {
  const reply = block("history (assistant)", "Done.", 5020, { message: 1 });
  const change = firstChange([...tools, system("x"), user, reply], [...tools, system("x"), user]);
  assertEquals([change?.component, change?.message, change?.after], [
    "history (assistant)",
    1,
    "(removed)",
  ]);
});

Deno.test("a cache break is priced as what the lost reads cost above the cache-read rate", () => {
  // The previous turn cached 5,000 tokens. This turn read 1,000 (the tools) and wrote 4,500:
  // tokens 1,000–5,000 were paid at the 5-minute write rate instead of the read rate.
  const finding = diagnoseCacheBreak(
    turn([...tools, system("10:00:01"), user], usage(0, 5000, 5010)),
    turn([...tools, system("10:01:07"), user], usage(1000, 4500, 6000)),
  );
  assertEquals(finding?.kind, "cache_break");
  assertEquals(finding?.tokens, 4000);
  assertAlmostEquals(finding!.usd!, 4000 * (3.75 - 0.3) / 1e6, 1e-12);
  assertEquals(finding?.change?.component, "system prompt");
  assert(finding!.detail.includes("10:00:01") && finding!.detail.includes("10:01:07"));
});

Deno.test("a turn that read what the previous turn cached has no cache break", () => {
  const finding = diagnoseCacheBreak(
    turn([...tools, system("x"), user], usage(0, 5000, 5010)),
    turn([...tools, system("x"), user], usage(5000, 10, 5020)),
  );
  assertEquals(finding, null);
});

Deno.test("an unchanged prefix read short is an expired cache: an advisory without dollars", () => {
  const finding = diagnoseCacheBreak(
    turn([...tools, system("x"), user], usage(0, 5000, 5010), 0),
    turn([...tools, system("x"), user], usage(0, 5010, 5020), 400_000),
  );
  assertEquals([finding?.kind, finding?.usd], ["advisory", null]);
  assert(finding!.detail.includes("400 s"));
});

Deno.test("a turn after one that used no cache is not a break", () => {
  const finding = diagnoseCacheBreak(
    turn([...tools, system("a")], usage(0, 0, 5000)),
    turn([...tools, system("b")], usage(0, 0, 5000)),
  );
  assertEquals(finding, null);
});

Deno.test("OpenAI caches automatically, so a changed prefix after a long prompt is a break", () => {
  const previous = {
    ...turn([...tools, system("a"), user], usage(0, 0, 5010)),
    provider: "openai" as const,
  };
  const next = {
    ...turn([...tools, system("b"), user], usage(0, 0, 5020)),
    provider: "openai" as const,
    rates: { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 2.5, cacheWrite1h: 2.5 },
  };
  const finding = diagnoseCacheBreak(previous, next);
  // 5,010 rounds down to 4,992 cached tokens, paid at 2.50 instead of 1.25 per million.
  assertEquals(finding?.tokens, 4992);
  assertAlmostEquals(finding!.usd!, 4992 * 1.25 / 1e6, 1e-12);
});

Deno.test("a turn that continues a stored response is not compared with the one before", () => {
  const previous = turn([...tools, system("a"), user], usage(0, 5000, 5010));
  const next = { ...turn([user], usage(0, 0, 5020)), stateful: true };
  assertEquals(diagnoseCacheBreak(previous, next), null);
});
