import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { capturedCall } from "../testing/captured.ts";
import { agentRun, agentTools } from "../testing/agent_run.ts";
import { analyzeCall, newCounters } from "./analyze.ts";
import { capClaims } from "./findings.ts";

const doc = "Quarterly report. Revenue grew in every region, led by the north. ".repeat(40);

function reply(promptTokens: number, cached = 0) {
  return {
    id: "c",
    choices: [{ message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: 5,
      prompt_tokens_details: { cached_tokens: cached },
    },
  };
}

Deno.test("a document present three times in one context is a duplicated-content finding worth its extra copies", () => {
  const request = {
    model: "gpt-4o",
    messages: [
      { role: "system", content: "Answer from the documents." },
      { role: "user", content: doc },
      { role: "assistant", content: "Noted." },
      { role: "user", content: doc },
      { role: "user", content: doc },
    ],
  };
  const { record } = analyzeCall(capturedCall("chat.completions", request, reply(2_000)));
  const dup = record.findings.filter((f) => f.kind === "duplicated_content");
  assertEquals(dup.length, 1);
  assertStringIncludes(dup[0].detail, "appears 3 times");
  const one = record.attribution!.components.find((c) => c.name === "user input")!.tokens / 3;
  assert(
    Math.abs(dup[0].tokens - 2 * one) <= 2,
    `two extra copies: ${dup[0].tokens} vs ${2 * one}`,
  );
  // gpt-4o input at $2.50 per million, nothing cached: the finding is worth its tokens at that rate.
  assert(Math.abs(dup[0].usd! - (dup[0].tokens * 2.5) / 1e6) < 1e-9);
  assert(dup[0].usd! <= record.cost!.input_usd!, "never more than was paid");
});

Deno.test("an agent run that uses all its tools with caching working yields no dollar findings", () => {
  const counters = newCounters();
  for (const request of agentRun(30, { tools: 5 })) {
    const { record } = analyzeCall(
      capturedCall("chat.completions", request, reply(20_000, 16_000)),
      { counters },
    );
    assertEquals(
      record.findings.filter((f) => (f.usd ?? 0) > 0),
      [],
      "no dollar claims on healthy traffic",
    );
  }
});

Deno.test("tool schemas that dominate a context get an advisory with no dollar claim", () => {
  const request = {
    model: "gpt-4o",
    messages: [{ role: "user", content: "Hi" }],
    tools: agentTools(25),
  };
  const { record } = analyzeCall(capturedCall("chat.completions", request, null));
  const advisory = record.findings.find((f) => f.kind === "advisory");
  assertStringIncludes(advisory?.detail ?? "", "tool schemas are");
  assertEquals(advisory?.usd, null);
});

Deno.test("findings together never claim more than the call paid", () => {
  const finding = (usd: number | null) => ({
    kind: "advisory" as const,
    tokens: 1,
    usd,
    detail: "",
  });
  const capped = capClaims([finding(0.6), finding(null), finding(0.3), finding(0.4)], 1);
  const rounded = capped.map((f) => f.usd === null ? null : Math.round(f.usd * 1e9) / 1e9);
  assertEquals(rounded, [0.6, null, 0.3, 0.1]);
  assertEquals(capClaims([finding(2)], null)[0].usd, 2, "an unpriced call is not capped");
});

Deno.test("a duplicate in an exact count the report fell far short of claims its reconciled share, not its counted tokens", () => {
  const request = {
    model: "gpt-4o",
    messages: [
      { role: "user", content: doc },
      { role: "user", content: doc },
    ],
  };
  // The report is far below the exact count: reconciliation had to scale every component.
  const { record } = analyzeCall(capturedCall("chat.completions", request, reply(100)));
  const user = record.attribution!.components.find((c) => c.name === "user input")!.tokens;
  const dup = record.findings.find((f) => f.kind === "duplicated_content")!;
  assert(user <= 100, `user input was scaled to ${user}`);
  assert(
    Math.abs(dup.tokens - user / 2) <= 1,
    `the extra copy is half of the reconciled user input (${user}), claimed ${dup.tokens}`,
  );
});
