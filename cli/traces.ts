import { time, tokens, usd } from "../reports/format.ts";
import type { CallSummary } from "../store/contract.ts";
import { openStore } from "../store/mod.ts";
import { ConfigError } from "./config.ts";
import { parseStoreArgs } from "./store_args.ts";
import { LOCAL_PREFIX } from "../core/paths.ts";

/** Recent calls as an aligned text table. */
export function tracesTable(calls: readonly CallSummary[]): string {
  const rows = [
    ["time", "model", "prompt", "completion", "biggest component", "cost", "run · turn"],
    ...calls.map((c) => [
      time(c.created_at),
      c.model ?? (c.analysed ? c.api : "analysing…"),
      tokens(c.prompt_tokens),
      tokens(c.completion_tokens),
      c.top_component ?? "—",
      usd(c.cost_usd),
      c.session_id ? `${c.session_id.slice(-6)} · ${c.turn}` : "—",
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const numeric = new Set([2, 3, 5]);
  return rows.map((r) =>
    r.map((cell, i) => numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])).join(
      "  ",
    ).trimEnd()
  )
    .join("\n");
}

/** `llmprof traces [--limit N] [--json]`: recent calls from the store the server uses. */
export async function traces(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { db, values } = parseStoreArgs(args, env, {
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ConfigError(`Invalid --limit "${values.limit}": use a whole number from 1 to 1000.`);
  }
  const store = await openStore(db);
  try {
    const { calls, total } = await store.listCalls({ limit });
    if (values.json) {
      console.log(JSON.stringify({ calls, total }, null, 2));
    } else if (calls.length === 0) {
      console.log(
        "No calls recorded yet. Start llmprof (llmprof up) and point a client's base URL at it.",
      );
    } else {
      console.log(tracesTable(calls));
      console.log(
        `\n${calls.length} of ${
          tokens(total)
        } calls; more with --limit, all of them at http://127.0.0.1:4000${LOCAL_PREFIX}/`,
      );
    }
  } finally {
    await store.close();
  }
  return 0;
}
