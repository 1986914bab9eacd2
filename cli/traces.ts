import { LOCAL_PREFIX } from "../core/paths.ts";
import {
  type Projection,
  PROJECTION_WINDOW_DAYS,
  projectionData,
  type Reclaimable,
} from "../reports/projection.ts";
import { projectionText, reclaimableText, time, tokens, usd } from "../reports/format.ts";
import type { CallSummary, Instance } from "../store/contract.ts";
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

/** What `traces` prints, read from a store or from a running llmprof's API. */
interface Traces {
  calls: CallSummary[];
  total: number;
  projection: Projection;
  reclaimable: Reclaimable;
  /** The dashboard's address, or null when none is known. */
  dashboard: string | null;
  /** The footer's line about the dashboard. */
  dashboardLine: string;
}

/**
 * `llmprof traces [--limit N] [--json] [--url URL]`: recent calls from the store the server
 * uses, or from a running llmprof's API at `--url` (with LLMPROF_TOKEN / --token as its
 * bearer token, for a shared instance).
 */
export async function traces(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<number> {
  const { db, values } = parseStoreArgs(args, env, {
    limit: { type: "string" },
    json: { type: "boolean" },
    url: { type: "string" },
    token: { type: "string" },
  });
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ConfigError(`Invalid --limit "${values.limit}": use a whole number from 1 to 1000.`);
  }
  const url = typeof values.url === "string" ? values.url : null;
  const token = typeof values.token === "string" ? values.token : env.LLMPROF_TOKEN ?? null;
  const found = url === null ? await fromStore(db, limit) : await fromApi(url, { limit, token });
  const { calls, total, projection, reclaimable, dashboard } = found;
  if (values.json) {
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
        found.dashboardLine,
      ].join("\n"),
    );
  }
  return 0;
}

async function fromStore(db: string, limit: number): Promise<Traces> {
  const store = await openStore(db);
  try {
    const [{ calls, total }, { projection, reclaimable }, instance] = await Promise.all([
      store.listCalls({ limit }),
      projectionData(store),
      store.latestInstance(),
    ]);
    return {
      calls,
      total,
      projection,
      reclaimable,
      dashboard: instance?.address ?? null,
      dashboardLine: dashboardLine(instance),
    };
  } finally {
    await store.close();
  }
}

async function fromApi(
  base: string,
  options: { limit: number; token: string | null },
): Promise<Traces> {
  let origin: string;
  try {
    origin = new URL(base).origin;
  } catch {
    throw new ConfigError(
      `Invalid --url "${base}": use llmprof's address, e.g. http://127.0.0.1:4000.`,
    );
  }
  const headers: Record<string, string> = options.token === null
    ? {}
    : { authorization: `Bearer ${options.token}` };
  const get = async (path: string) => {
    let response: Response;
    try {
      response = await fetch(`${origin}${LOCAL_PREFIX}${path}`, { headers });
    } catch (error) {
      throw new ConfigError(`Cannot reach llmprof at ${origin}: ${(error as Error).message}.`);
    }
    if (response.status === 401) {
      await response.body?.cancel();
      throw new ConfigError(
        `llmprof at ${origin} needs its token: set LLMPROF_TOKEN or pass --token.`,
      );
    }
    if (!response.ok) {
      throw new ConfigError(
        `llmprof at ${origin} answered ${response.status}: ${await response.text()}`,
      );
    }
    return await response.json();
  };
  const [{ calls, total }, { projection, reclaimable }] = await Promise.all([
    get(`/api/calls?limit=${options.limit}`),
    get(`/api/summary?days=${PROJECTION_WINDOW_DAYS}`),
  ]);
  const dashboard = `${origin}${LOCAL_PREFIX}/`;
  return {
    calls,
    total,
    projection,
    reclaimable,
    dashboard,
    dashboardLine: `Dashboard: ${dashboard}`,
  };
}
