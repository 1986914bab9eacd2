import type { BaseStore, Spend } from "../store/contract.ts";

/**
 * Whether a monthly figure could be projected: "projected" from a day of traffic on,
 * "too_little_data" below that (the figure is then the spend so far, and `reason` says why).
 */
export type ProjectionStatus = "projected" | "too_little_data";

/** Monthly spend extrapolated from observed traffic, with what it rests on. */
export interface Projection {
  status: ProjectionStatus;
  /** Why there is no projection; null when there is one. */
  reason: string | null;
  /** Dollars per 30-day month; null when the traffic is too little to extrapolate. */
  monthly_usd: number | null;
  /** Dollars spent in the window so far: what the projection rests on. */
  spent_usd: number;
  /** Days the projection rests on: from the window's first call to now, at most the window. */
  basis_days: number;
  /** Days from the window's first call to its last: how much traffic was observed. */
  observed_days: number;
  basis_calls: number;
}

/** Reclaimable spend per month, with what it rests on; projected under the same rule as spend. */
export interface Reclaimable {
  status: ProjectionStatus;
  reason: string | null;
  /** Dollars per 30-day month the findings say could be saved; null with too little traffic. */
  monthly_usd: number | null;
  /** Dollars the findings of the window's calls say could have been saved so far. */
  so_far_usd: number;
  share_of_spend: number;
  basis_calls: number;
}

const DAY = 86_400_000;
/** Traffic must span at least this long (first call to last) before it is extrapolated to a month. */
export const MIN_OBSERVED = DAY;

function days(ms: number): number {
  return Math.round((ms / DAY) * 1000) / 1000;
}

/** A span of time in words: "7 minutes", "5.5 hours". */
function span(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} seconds`;
  if (ms < 3_600_000) {
    const m = Math.round(ms / 60_000);
    return `${m} minute${m === 1 ? "" : "s"}`;
  }
  return `${Math.round(ms / 360_000) / 10} hours`;
}

/**
 * Projects a 30-day month from the spend of a trailing window. Only traffic that spans a
 * full day (first call to last) is extrapolated, over the time from the first call to now
 * (at most the window); below that the figure is the spend so far and the reason says so.
 */
export function projectMonthly(
  spend: Spend,
  now: Date,
  windowDays: number,
): { projection: Projection; reclaimable: Reclaimable } {
  const share = spend.cost_usd > 0 ? spend.reclaimable_usd / spend.cost_usd : 0;
  if (spend.calls === 0 || spend.first_at === null) {
    const reason = "no calls in the window yet";
    return {
      projection: {
        status: "too_little_data",
        reason,
        monthly_usd: null,
        spent_usd: 0,
        basis_days: 0,
        observed_days: 0,
        basis_calls: 0,
      },
      reclaimable: {
        status: "too_little_data",
        reason,
        monthly_usd: null,
        so_far_usd: 0,
        share_of_spend: 0,
        basis_calls: 0,
      },
    };
  }
  const first = Date.parse(spend.first_at);
  const last = spend.last_at === null ? first : Date.parse(spend.last_at);
  const observed = Math.min(windowDays * DAY, Math.max(0, last - first));
  const basis = Math.min(windowDays * DAY, Math.max(observed, now.getTime() - first));
  const enough = observed >= MIN_OBSERVED;
  const reason = enough
    ? null
    : `a projection needs at least a day of traffic; the ${spend.calls.toLocaleString("en")} call${
      spend.calls === 1 ? "" : "s"
    } so far span ${span(observed)}`;
  const perMonth = (usd: number) => enough ? (usd / basis) * 30 * DAY : null;
  const status: ProjectionStatus = enough ? "projected" : "too_little_data";
  return {
    projection: {
      status,
      reason,
      monthly_usd: perMonth(spend.cost_usd),
      spent_usd: spend.cost_usd,
      basis_days: days(basis),
      observed_days: days(observed),
      basis_calls: spend.calls,
    },
    reclaimable: {
      status,
      reason,
      monthly_usd: perMonth(spend.reclaimable_usd),
      so_far_usd: spend.reclaimable_usd,
      share_of_spend: share,
      basis_calls: spend.calls,
    },
  };
}

/** Days of trailing traffic the monthly projection rests on. */
export const PROJECTION_WINDOW_DAYS = 7;

/** The monthly projection and reclaimable spend over the trailing window: what the API, trends page and `llmprof traces` show. */
export async function projectionData(store: Pick<BaseStore, "spend">, now = new Date()) {
  const windowStart = new Date(now.getTime() - PROJECTION_WINDOW_DAYS * 86_400_000).toISOString();
  const spend = await store.spend({ since: windowStart });
  return projectMonthly(spend, now, PROJECTION_WINDOW_DAYS);
}
