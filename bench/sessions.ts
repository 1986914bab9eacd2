/**
 * Chaining cost per call: hashing a call's message prefixes and placing it in its run,
 * over a 1,000-turn run on SQLite. The cost should follow the call's own messages, not
 * the number of calls before it.
 */
import { openStore } from "../store/mod.ts";
import { chainRun } from "../testing/chain_run.ts";

/** Runs the chaining benchmark and returns its RESULTS.md section. */
export async function runSessions(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "llmprof-bench-sessions-" });
  const store = await openStore(`sqlite:${dir}/llmprof.db`);
  const turns = await chainRun(store, 1_000);
  const hashMs = turns.map((t) => t.hashMs);
  const assignMs = turns.map((t) => t.assignMs);
  const wrong =
    turns.filter((t, i) => t.session.id !== turns[0].session.id || t.session.turn !== i + 1).length;
  await store.close();
  await Deno.remove(dir, { recursive: true });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const row = (label: string, from: number, to: number) =>
    `| ${label} | ${(from * 2 + 1).toLocaleString("en")}–${(to * 2 - 1).toLocaleString("en")} | ${
      mean(hashMs.slice(from, to)).toFixed(3)
    } | ${mean(assignMs.slice(from, to)).toFixed(3)} |`;
  return [
    `## Sessions (bench/sessions.ts)`,
    ``,
    `A 1,000-turn agent run (two messages a turn) chained through SQLite: hashing each call's message prefixes in the worker, then one indexed lookup to place it in its run. ${
      wrong === 0
        ? "All 1,000 turns landed in one run, in order."
        : `${wrong} turns were placed wrongly.`
    }`,
    ``,
    `| turns | messages per call | prefix hashes, ms per call | chaining lookup, ms per call |`,
    `|---|---|---|---|`,
    row("1–10", 0, 10),
    row("491–500", 490, 500),
    row("991–1,000", 990, 1_000),
  ].join("\n");
}
