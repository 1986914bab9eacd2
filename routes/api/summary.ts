import { projectMonthly } from "../../pricing/projection.ts";
import type { BaseStore } from "../../store/base_store.ts";
import type { AppContext } from "../context.ts";
import { badRequest } from "./_errors.ts";

/** Days of trailing traffic the monthly projection rests on. */
export const PROJECTION_WINDOW_DAYS = 7;

/** The monthly projection and reclaimable spend over the trailing window: what the API, trends page and `llmprof traces` show. */
export async function projectionData(store: Pick<BaseStore, "spend">, now = new Date()) {
  const windowStart = new Date(now.getTime() - PROJECTION_WINDOW_DAYS * 86_400_000).toISOString();
  const spend = await store.spend({ since: windowStart });
  return projectMonthly(spend, now, PROJECTION_WINDOW_DAYS);
}

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
