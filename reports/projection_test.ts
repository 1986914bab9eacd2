import { assertEquals } from "../testing/assert.ts";
import { projectMonthly } from "./projection.ts";

const now = new Date("2026-11-27T12:00:00Z");

Deno.test("projectMonthly extrapolates a full window's spend to 30 days", () => {
  const { projection, reclaimable } = projectMonthly(
    { calls: 700, cost_usd: 70, reclaimable_usd: 7, first_at: "2026-11-01T00:00:00Z" },
    now,
    7,
  );
  assertEquals(projection, { monthly_usd: 300, basis_days: 7, basis_calls: 700 });
  assertEquals(reclaimable, { monthly_usd: 30, share_of_spend: 0.1, basis_calls: 700 });
});

Deno.test("projectMonthly rests on the time actually observed, at least an hour", () => {
  const day = projectMonthly(
    { calls: 10, cost_usd: 2, reclaimable_usd: 0, first_at: "2026-11-26T12:00:00Z" },
    now,
    7,
  );
  assertEquals(day.projection, { monthly_usd: 60, basis_days: 1, basis_calls: 10 });
  const minutes = projectMonthly(
    { calls: 3, cost_usd: 0.01, reclaimable_usd: 0, first_at: "2026-11-27T11:55:00Z" },
    now,
    7,
  );
  assertEquals(minutes.projection.basis_days, 0.042);
  assertEquals(Math.round(minutes.projection.monthly_usd * 100) / 100, 7.2);
});

Deno.test("projectMonthly says zero with no traffic", () => {
  assertEquals(
    projectMonthly({ calls: 0, cost_usd: 0, reclaimable_usd: 0, first_at: null }, now, 7)
      .projection,
    {
      monthly_usd: 0,
      basis_days: 0,
      basis_calls: 0,
    },
  );
});
