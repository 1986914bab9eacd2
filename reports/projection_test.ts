import { assertEquals } from "../testing/assert.ts";
import { projectMonthly } from "./projection.ts";

const now = new Date("2026-11-27T12:00:00Z");

Deno.test("projectMonthly extrapolates a full window's spend to 30 days", () => {
  const { projection, reclaimable } = projectMonthly(
    {
      calls: 700,
      cost_usd: 70,
      reclaimable_usd: 7,
      first_at: "2026-11-01T00:00:00Z",
      last_at: "2026-11-27T11:00:00Z",
    },
    now,
    7,
  );
  assertEquals(projection, {
    status: "projected",
    reason: null,
    monthly_usd: 300,
    spent_usd: 70,
    basis_days: 7,
    observed_days: 7,
    basis_calls: 700,
  });
  assertEquals(reclaimable, {
    status: "projected",
    reason: null,
    monthly_usd: 30,
    so_far_usd: 7,
    share_of_spend: 0.1,
    basis_calls: 700,
  });
});

Deno.test("projectMonthly extrapolates a day or more of traffic over the time since its first call", () => {
  const day = projectMonthly(
    {
      calls: 10,
      cost_usd: 2,
      reclaimable_usd: 0.5,
      first_at: "2026-11-25T12:00:00Z",
      last_at: "2026-11-26T12:00:00Z",
    },
    now,
    7,
  );
  assertEquals(day.projection.status, "projected");
  assertEquals(day.projection.observed_days, 1);
  assertEquals(day.projection.basis_days, 2);
  assertEquals(day.projection.monthly_usd, 30);
  assertEquals(day.reclaimable.monthly_usd, 7.5);
});

Deno.test("projectMonthly does not extrapolate a burst shorter than a day: it gives the spend so far and why", () => {
  // 35 calls in 7 minutes: once floored at an hour and multiplied by 720 into "$81.83 a month".
  const burst = projectMonthly(
    {
      calls: 35,
      cost_usd: 0.113,
      reclaimable_usd: 0.02,
      first_at: "2026-11-27T11:50:00Z",
      last_at: "2026-11-27T11:57:00Z",
    },
    now,
    7,
  );
  assertEquals(burst.projection, {
    status: "too_little_data",
    reason: "a projection needs at least a day of traffic; the 35 calls so far span 7 minutes",
    monthly_usd: null,
    spent_usd: 0.113,
    basis_days: 0.007,
    observed_days: 0.005,
    basis_calls: 35,
  });
  assertEquals(burst.reclaimable.status, "too_little_data");
  assertEquals(burst.reclaimable.monthly_usd, null);
  assertEquals(burst.reclaimable.so_far_usd, 0.02);
  // A burst long ago is still a burst: time without calls is not traffic observed.
  const old = projectMonthly(
    {
      calls: 3,
      cost_usd: 1,
      reclaimable_usd: 0,
      first_at: "2026-11-24T12:00:00Z",
      last_at: "2026-11-24T13:30:00Z",
    },
    now,
    7,
  );
  assertEquals(old.projection.monthly_usd, null);
  assertEquals(old.projection.reason?.endsWith("span 1.5 hours"), true);
});

Deno.test("projectMonthly says there is nothing to project with no traffic", () => {
  const none = projectMonthly(
    { calls: 0, cost_usd: 0, reclaimable_usd: 0, first_at: null, last_at: null },
    now,
    7,
  );
  assertEquals(none.projection.status, "too_little_data");
  assertEquals(none.projection.monthly_usd, null);
  assertEquals(none.projection.reason, "no calls in the window yet");
});
