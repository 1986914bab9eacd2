import { projectionData } from "../../reports/projection.ts";
import type { AppContext } from "../context.ts";
import { badRequest } from "./_errors.ts";

export { PROJECTION_WINDOW_DAYS } from "../../reports/projection.ts";

/** The trends data: daily, by-model and routes summaries, the monthly projection and reclaimable spend. */
export async function summaryData(ctx: AppContext, days: number, now = new Date()) {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString();
  const [daily, by_model, routes, { projection, reclaimable }] = await Promise.all([
    ctx.store.dailySummary({ days, now }),
    ctx.store.byModel({ since }),
    ctx.store.routes({ since }),
    projectionData(ctx.store, now),
  ]);
  return { daily, by_model, routes, projection, reclaimable };
}

/** `GET /_llmprof/api/summary?days=14` */
export async function summary(url: URL, ctx: AppContext): Promise<Response> {
  const raw = url.searchParams.get("days") ?? "14";
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > 366) {
    return badRequest(`days must be a whole number from 1 to 366, got "${raw}"`);
  }
  return Response.json(await summaryData(ctx, days));
}
