/**
 * What the privacy levels cost in an analysis worker: ms per call for a 30,000-token agent
 * turn stored under full, redact and metadata; and secret scanning on text built to be
 * worst-case for the rules, scanned whole against in bounded windows (what llmprof does).
 */
import { analyzeCall, newCounters } from "../analysis/mod.ts";
import { protect } from "../analysis/privacy.ts";
import { findSecrets, redactSecrets } from "../analysis/secrets.ts";
import type { Privacy } from "../core/record.ts";
import { capturedCall } from "../testing/captured.ts";
import { agentRun } from "../testing/agent_run.ts";
import { hostileInputs } from "../tests/secrets.ts";

/** Median of `rounds` runs of `fn`, in ms. */
async function median(rounds: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** Runs the benchmark and returns its RESULTS.md section. */
export async function runRedaction(): Promise<string> {
  const counters = newCounters();
  let turn = null;
  for (const request of agentRun(400, { tools: 25, resultChars: 4_000 })) {
    const call = capturedCall("chat.completions", request);
    if (analyzeCall(call, { counters }).record.attribution!.counted_total >= 30_000) {
      turn = call;
      break;
    }
  }
  if (turn === null) throw new Error("no agent turn reached 30,000 tokens");
  // Warmed up first, then the four variants interleaved round by round, so none gains from
  // the JIT or a quiet moment on the cores.
  const variants: Array<[string, () => Promise<unknown>]> = [
    ["analysis alone", () => Promise.resolve(analyzeCall(turn, { counters }))],
    ...(["full", "redact", "metadata"] as Privacy[]).map((
      level,
    ): [string, () => Promise<unknown>] => [
      level,
      () => protect(analyzeCall(turn, { counters }), level, { redactSecrets }),
    ]),
  ];
  const times = new Map(variants.map(([name]) => [name, [] as number[]]));
  for (let round = 0; round < 25; round++) {
    for (const [name, fn] of round % 2 ? [...variants].reverse() : variants) {
      const t0 = performance.now();
      await fn();
      if (round >= 5) times.get(name)!.push(performance.now() - t0);
    }
  }
  const med = (name: string) => {
    const sorted = times.get(name)!.sort((x, y) => x - y);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const analyseOnly = med("analysis alone");
  const levels = ["full", "redact", "metadata"].map((level) =>
    `| ${level} | ${med(level).toFixed(1)} | ${(med(level) - analyseOnly).toFixed(1)} |`
  );

  const rows: string[] = [];
  for (const [name, text] of Object.entries(hostileInputs(1 << 20))) {
    const quarter = text.slice(0, 1 << 18);
    const whole = await median(1, () => findSecrets(quarter, { window: Infinity }));
    const windowedQuarter = await median(3, () => findSecrets(quarter));
    const windowed = await median(3, () => findSecrets(text));
    rows.push(
      `| ${name} | ${whole.toFixed(0)} | ${windowedQuarter.toFixed(0)} | ${windowed.toFixed(0)} |`,
    );
  }
  return [
    "## Redaction (bench/redaction.ts)",
    "",
    `One analysis worker's time per call for a ${
      (turn.requestBytes / 1024).toFixed(0)
    } KB, 30,000-token agent turn (25 tools), median of 20 interleaved rounds after 5 of warm-up,
analysis included (${analyseOnly.toFixed(1)} ms alone):`,
    "",
    "| privacy | ms per call | added by the level |",
    "| ------- | ----------- | ------------------ |",
    ...levels,
    "",
    "Secret scanning (ms) of text built to be worst-case for the rules: the rule set run once over",
    "256 KB, against llmprof's scan in 32 KB windows (8 KB overlap) over 256 KB and 1 MB.",
    "Windowed time grows linearly with the text; a whole scan does not.",
    "",
    "| input | whole scan, 256 KB | windows, 256 KB | windows, 1 MB |",
    "| ----- | ------------------ | --------------- | ------------- |",
    ...rows,
  ].join("\n");
}
