/**
 * The dashboard's landing page as data: spend today and this week with the monthly
 * projection, the findings that would save the most, the biggest runs with their context
 * growth, and each component's share of the prompt tokens. `GET /_llmprof/api/overview`
 * returns it; the overview page renders it and reloads it as calls are stored.
 * @module
 */
import type { Finding } from "../core/record.ts";
import type { BaseStore } from "../store/contract.ts";
import {
  type Projection,
  PROJECTION_WINDOW_DAYS,
  projectMonthly,
  type Reclaimable,
} from "./projection.ts";

/** A finding across the calls that had it, ranked by what it would save. */
export interface OverviewFinding {
  kind: Finding["kind"];
  detail: string;
  calls: number;
  /** Dollars it would have saved over the window so far. */
  so_far_usd: number;
  /** Dollars per 30-day month at the window's rate; null while the projection has too little data. */
  monthly_usd: number | null;
  /** The call where it would save the most: the one to open. */
  call_id: string;
}

/** One of the biggest runs of the window. */
export interface OverviewRun {
  id: string;
  /** The first user message's opening words, or null. */
  name: string | null;
  /** The client (coding agent or SDK) that made the run, when known. */
  client: string | null;
  turns: number;
  cost_usd: number;
  /** Prompt tokens turn by turn: how the context grew. */
  growth: number[];
}

/** A component's prompt tokens over the window, and its share of them all. */
export interface OverviewComponent {
  component: string;
  tokens: number;
  share: number;
}

/** Everything the overview shows. */
export interface Overview {
  generated_at: string;
  /** Days the week's figures, runs and shares cover. */
  window_days: number;
  today: { calls: number; cost_usd: number };
  week: { calls: number; cost_usd: number };
  projection: Projection;
  reclaimable: Reclaimable;
  findings: OverviewFinding[];
  runs: OverviewRun[];
  components: OverviewComponent[];
  /** Every call stored: zero shows the set-up guide. */
  stored_calls: number;
}

/** How many findings, runs and calls with findings the overview reads. */
const TOP_FINDINGS = 10;
const TOP_RUNS = 8;
const FINDING_CALLS = 500;
/** Most turns of a run's context growth sent to the page; longer runs are sampled evenly. */
const GROWTH_POINTS = 60;

/** A run's stored name ("client · “opening”") split into its client and its opening words. */
export function splitRunName(name: string | null): { client: string | null; name: string | null } {
  if (name === null) return { client: null, name: null };
  const at = name.indexOf(" · “");
  if (at >= 0) return { client: name.slice(0, at), name: name.slice(at + 3) };
  return name.startsWith("“") ? { client: null, name } : { client: name, name: null };
}

/** At most `points` values of a series, evenly spaced, keeping its first and last. */
export function sample(series: readonly number[], points: number): number[] {
  if (series.length <= points) return [...series];
  return Array.from(
    { length: points },
    (_, i) => series[Math.round((i * (series.length - 1)) / (points - 1))],
  );
}

/** Findings of many calls merged by kind and detail, the most dollars first. */
export function rankFindings(
  calls: ReadonlyArray<{ call_id: string; findings: readonly Finding[] }>,
  perMonth: (usd: number) => number | null,
  limit = TOP_FINDINGS,
): OverviewFinding[] {
  const byKey = new Map<string, OverviewFinding & { best: number }>();
  for (const call of calls) {
    for (const f of call.findings) {
      const usd = f.usd ?? 0;
      if (usd <= 0) continue;
      const key = `${f.kind}\u0000${f.detail}`;
      const seen = byKey.get(key);
      if (!seen) {
        byKey.set(key, {
          kind: f.kind,
          detail: f.detail,
          calls: 1,
          so_far_usd: usd,
          monthly_usd: null,
          call_id: call.call_id,
          best: usd,
        });
        continue;
      }
      seen.calls++;
      seen.so_far_usd += usd;
      if (usd > seen.best) [seen.best, seen.call_id] = [usd, call.call_id];
    }
  }
  return [...byKey.values()]
    .sort((a, b) => b.so_far_usd - a.so_far_usd)
    .slice(0, limit)
    .map(({ best: _, ...f }) => ({ ...f, monthly_usd: perMonth(f.so_far_usd) }));
}

/** The overview of a store, as of `now`. */
export async function overviewData(
  store: Pick<
    BaseStore,
    "spend" | "listRuns" | "runGrowth" | "componentShares" | "findingCalls" | "stats"
  >,
  now = new Date(),
): Promise<Overview> {
  const midnight = new Date(now);
  midnight.setUTCHours(0, 0, 0, 0);
  const weekAgo = new Date(now.getTime() - PROJECTION_WINDOW_DAYS * 86_400_000).toISOString();
  const [today, week, runs, components, findingCalls, stats] = await Promise.all([
    store.spend({ since: midnight.toISOString() }),
    store.spend({ since: weekAgo }),
    store.listRuns({ since: weekAgo, sort: "cost", limit: TOP_RUNS }),
    store.componentShares({ since: weekAgo }),
    store.findingCalls({ since: weekAgo, limit: FINDING_CALLS }),
    store.stats(),
  ]);
  const { projection, reclaimable } = projectMonthly(week, now, PROJECTION_WINDOW_DAYS);
  const perMonth = (usd: number) =>
    projection.status === "projected" && projection.basis_days > 0
      ? (usd / projection.basis_days) * 30
      : null;
  const growth = await store.runGrowth(runs.map((r) => r.id));
  const allTokens = components.reduce((n, c) => n + c.tokens, 0);
  return {
    generated_at: now.toISOString(),
    window_days: PROJECTION_WINDOW_DAYS,
    today: { calls: today.calls, cost_usd: today.cost_usd },
    week: { calls: week.calls, cost_usd: week.cost_usd },
    projection,
    reclaimable,
    findings: rankFindings(findingCalls, perMonth),
    runs: runs.map((r) => ({
      id: r.id,
      ...splitRunName(r.name),
      turns: growth[r.id]?.length ?? r.calls,
      cost_usd: r.cost_usd,
      growth: sample(growth[r.id] ?? [], GROWTH_POINTS),
    })),
    components: components.filter((c) => c.tokens > 0).map((c) => ({
      ...c,
      share: allTokens > 0 ? c.tokens / allTokens : 0,
    })),
    stored_calls: stats.calls,
  };
}
