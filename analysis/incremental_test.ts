import { assert, assertEquals } from "../testing/assert.ts";
import { capturedCall } from "../testing/captured.ts";
import { analyzeCall, newCounters } from "./analyze.ts";
import { agentRun } from "../testing/agent_run.ts";

Deno.test("a 100-turn run tokenizes close to its new content, not every turn again", () => {
  const turns = agentRun(100);
  const shared = newCounters();
  const totals: number[] = [];
  for (const request of turns) {
    totals.push(
      analyzeCall(capturedCall("chat.completions", request), { counters: shared }).record
        .attribution!
        .counted_total,
    );
  }
  const incremental = shared.get("o200k_base")!.tokenizedChars;

  let fromScratch = 0;
  const check: number[] = [];
  for (const request of turns) {
    const fresh = newCounters();
    check.push(
      analyzeCall(capturedCall("chat.completions", request), { counters: fresh }).record
        .attribution!
        .counted_total,
    );
    fromScratch += fresh.get("o200k_base")!.tokenizedChars;
  }
  assertEquals(totals, check, "memoised counts equal counts from scratch");
  assert(
    fromScratch / incremental >= 10,
    `only ${(fromScratch / incremental).toFixed(1)}× less tokenizing`,
  );
});
