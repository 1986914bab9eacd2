import { assert, assertEquals } from "../testing/assert.ts";
import { analyzeCall, newCounters } from "./analyze.ts";
import { blockTokens } from "./request_blocks.ts";
import { TokenCounter } from "./tokenizer.ts";
import { capturedCall } from "../testing/captured.ts";
import { agentRun } from "../testing/agent_run.ts";

Deno.test("a block's tokens are those of the text it carries, not of its JSON syntax", () => {
  const counter = new TokenCounter("o200k_base");
  const message = JSON.stringify({
    role: "tool",
    tool_call_id: "call_1",
    content: "line one\nline two",
  });
  assertEquals(
    blockTokens(message, counter),
    counter.count("tool") + counter.count("call_1") + counter.count("line one\nline two"),
  );
  assertEquals(blockTokens("not json at all", counter), counter.count("not json at all"));
  // Nesting deeper than a recursive walk could go is counted all the same.
  const deep = "[".repeat(5_000) + '"x"' + "]".repeat(5_000);
  assertEquals(blockTokens(deep, counter), counter.count("x"));
});

Deno.test("splitting a turn into blocks tokenizes almost nothing that attribution has not counted", () => {
  const counters = newCounters();
  const counter = counters.get("o200k_base")!;
  for (const request of agentRun(20, { resultChars: 3_000 })) {
    const call = capturedCall("chat.completions", request);
    const before = counter.tokenizedChars;
    const unsplit = analyzeCall(call, { counters: newCounters(), split: false });
    const split = analyzeCall(call, { counters });
    assert(split.blocks !== null && split.blocks.blocks.length > 0);
    assertEquals(
      split.record.attribution!.counted_total,
      unsplit.record.attribution!.counted_total,
    );
    const text = JSON.stringify(request).length;
    // Before, blocks tokenized each new block's escaped JSON again: about as much as attribution.
    assert(
      counter.tokenizedChars - before < text,
      `tokenized ${counter.tokenizedChars - before} characters for a ${text}-character request`,
    );
  }
});
