/**
 * Analysis throughput on one thread (what one worker does): calls/s and MB/s for a
 * small chat call, a 30,000-token agent turn with 25 tools and a 150,000-token history;
 * a 100-turn run counted incrementally against from scratch; peak memory.
 */
import { analyzeCall, newCounters } from "../analysis/mod.ts";
import type { CapturedCall } from "../proxy/mod.ts";
import { capturedCall } from "../tests/captured.ts";
import { agentRun } from "../tests/agent_run.ts";

let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
}

/** The first turn of a run with at least `tokens` prompt tokens. */
function turnWith(tokens: number, options: { tools: number; resultChars: number }): CapturedCall {
  const counters = newCounters();
  for (const request of agentRun(400, options)) {
    const call = capturedCall("chat.completions", request);
    if (analyzeCall(call, counters).record.attribution!.counted_total >= tokens) return call;
  }
  throw new Error(`no turn reached ${tokens} tokens`);
}

function rate(call: CapturedCall, seconds: number, fresh: boolean) {
  let counters = newCounters();
  let calls = 0;
  let tokens = 0;
  const stop = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < stop) {
    if (fresh) counters = newCounters();
    tokens = analyzeCall(call, counters).record.attribution!.counted_total;
    calls++;
    if (calls % 16 === 0) sampleRss();
  }
  const elapsed = (performance.now() - start) / 1000;
  return {
    perSecond: calls / elapsed,
    mbPerSecond: (calls * call.requestBytes) / elapsed / 1e6,
    tokens,
  };
}

/** Runs the analysis benchmark and returns its RESULTS.md section. */
export function runAnalysis(options: { seconds?: number } = {}): Promise<string> {
  const seconds = options.seconds ?? 2;
  const rows: string[] = [];
  const small = capturedCall("chat.completions", {
    model: "gpt-4o",
    messages: [{ role: "system", content: "You are a helpful assistant." }, {
      role: "user",
      content: "What is the capital of France?",
    }],
  });
  const agentTurn = turnWith(30_000, { tools: 25, resultChars: 1_500 });
  const history = turnWith(150_000, { tools: 5, resultChars: 6_000 });
  for (
    const [name, call] of [["small chat call", small], ["agent turn, 25 tools", agentTurn], [
      "long history",
      history,
    ]] as const
  ) {
    const cold = rate(call, seconds, true);
    const warm = rate(call, seconds, false);
    rows.push(
      `| ${name} | ${cold.tokens.toLocaleString("en")} | ${
        (call.requestBytes / 1024).toFixed(0)
      } KiB | ${cold.perSecond.toFixed(0)} | ${cold.mbPerSecond.toFixed(1)} | ${
        warm.perSecond.toFixed(0)
      } |`,
    );
  }

  const run = agentRun(100).map((request) => capturedCall("chat.completions", request));
  let start = performance.now();
  const shared = newCounters();
  for (const call of run) analyzeCall(call, shared);
  const incrementalMs = performance.now() - start;
  sampleRss();
  start = performance.now();
  for (const call of run) analyzeCall(call, newCounters());
  const scratchMs = performance.now() - start;
  const lastTokens = analyzeCall(run[run.length - 1], shared).record.attribution!.counted_total;

  const hostile = capturedCall("chat.completions", {
    model: "gpt-4o",
    messages: [{ role: "user", content: "_".repeat(200_000) }],
  });
  start = performance.now();
  analyzeCall(hostile, newCounters());
  const hostileMs = performance.now() - start;
  sampleRss();

  return Promise.resolve([
    `## Analysis (bench/analysis.ts)`,
    ``,
    `One thread, as in one worker. "Cold" counts every call from scratch; "in a run" lets the per-block memo work as it does when an agent's next turn repeats the last.`,
    ``,
    `| call | prompt tokens | request | cold calls/s | cold MB/s | in a run calls/s |`,
    `|---|---|---|---|---|---|`,
    ...rows,
    ``,
    `| 100-turn agent run (last turn ${lastTokens.toLocaleString("en")} tokens) | ms |`,
    `|---|---|`,
    `| incremental (shared memo) | ${incrementalMs.toFixed(0)} |`,
    `| every turn from scratch | ${scratchMs.toFixed(0)} |`,
    `| speed-up | ${(scratchMs / incrementalMs).toFixed(1)}× |`,
    ``,
    `200,000 repeated characters: ${hostileMs.toFixed(0)} ms. Peak RSS during the benchmark: ${
      (peakRss / 2 ** 20).toFixed(0)
    } MiB.`,
    ``,
    `Targets: at least 100 agent turns/s (30,000 tokens, 25 tools) per worker; a 100-turn run at least 10× faster than from scratch.`,
  ].join("\n"));
}
