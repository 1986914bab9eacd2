import { projectionText, reclaimableText, time, tokens, usd } from "../islands/format.ts";
import { PROJECTION_WINDOW_DAYS, projectionData } from "../routes/api/summary.ts";
import type { CallSummary, Instance } from "../store/base_store.ts";
import { openStore } from "../store/mod.ts";
import { ConfigError } from "./config.ts";
import { parseStoreArgs } from "./store_args.ts";

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

/** Where the dashboard of the store's llmprof is, or that none recorded its address. */
export function dashboardLine(instance: Instance | null): string {
  return instance === null
    ? "Dashboard: none recorded in this store (llmprof up records its address when it starts)."
    : `Dashboard: ${instance.address} (the llmprof that last started on this store, ${
      time(instance.started_at)
    })`;
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
    const [{ calls, total }, { projection, reclaimable }, instance] = await Promise.all([
      store.listCalls({ limit }),
      projectionData(store),
      store.latestInstance(),
    ]);
    if (values.json) {
      const dashboard = instance?.address ?? null;
      console.log(JSON.stringify({ calls, total, projection, reclaimable, dashboard }, null, 2));
    } else if (calls.length === 0) {
      console.log(
        "No calls recorded yet. Start llmprof (llmprof up) and point a client's base URL at it.",
      );
    } else {
      console.log(tracesTable(calls));
      console.log(
        [
          `\n${calls.length} of ${tokens(total)} calls; more with --limit.`,
          `Last ${PROJECTION_WINDOW_DAYS} days: ${
            projectionText(projection, PROJECTION_WINDOW_DAYS)
          }.`,
          `Reclaimable: ${reclaimableText(reclaimable)}.`,
          dashboardLine(instance),
        ].join("\n"),
      );
    }
  } finally {
    await store.close();
  }
  return 0;
}
