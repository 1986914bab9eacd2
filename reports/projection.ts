import type { Spend } from "../store/contract.ts";

/** Monthly spend extrapolated from observed traffic, with what it rests on. */
export interface Projection {
  monthly_usd: number;
  /** Days of traffic the projection rests on (fractional when younger than a day). */
  basis_days: number;
  basis_calls: number;
}

/** Reclaimable spend per month, with what it rests on. */
export interface Reclaimable {
  monthly_usd: number;
  share_of_spend: number;
  basis_calls: number;
}

const DAY = 86_400_000;
/** Extrapolating from less than this much traffic would be noise: the basis is at least an hour. */
const MIN_BASIS = 3_600_000;

/**
 * Projects a 30-day month from the spend of a trailing window: the cost per day over the
 * time actually observed (from the window's first call, at least an hour) times 30.
 */
export function projectMonthly(
  spend: Spend,
  now: Date,
  windowDays: number,
): { projection: Projection; reclaimable: Reclaimable } {
  if (spend.calls === 0 || spend.first_at === null) {
    return {
      projection: { monthly_usd: 0, basis_days: 0, basis_calls: 0 },
      reclaimable: { monthly_usd: 0, share_of_spend: 0, basis_calls: 0 },
    };
  }
  const observed = Math.min(
    windowDays * DAY,
    Math.max(MIN_BASIS, now.getTime() - Date.parse(spend.first_at)),
  );
  const perMonth = (usd: number) => (usd / observed) * 30 * DAY;
  const basis_days = Math.round((observed / DAY) * 1000) / 1000;
  return {
    projection: { monthly_usd: perMonth(spend.cost_usd), basis_days, basis_calls: spend.calls },
    reclaimable: {
      monthly_usd: perMonth(spend.reclaimable_usd),
      share_of_spend: spend.cost_usd > 0 ? spend.reclaimable_usd / spend.cost_usd : 0,
      basis_calls: spend.calls,
    },
  };
}
