import { runCards } from "../../reports/run_cards.ts";
import type { AppContext } from "../context.ts";
import { badRequest, notFound } from "./_errors.ts";

/**
 * `GET /_llmprof/api/runs?limit&offset`: runs, most recently active first, under `key`
 * (`runs`, or `sessions` for the first round's `/api/sessions`).
 */
export async function listRuns(
  url: URL,
  ctx: AppContext,
  options: { key: "runs" | "sessions" },
): Promise<Response> {
  const limit = Number(url.searchParams.get("limit") ?? 100);
  const offset = Number(url.searchParams.get("offset") ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) {
    return badRequest("limit and offset must be whole numbers (limit at least 1)");
  }
  return Response.json({ [options.key]: await ctx.store.listRuns({ limit, offset }) });
}

/** `GET /_llmprof/api/runs/:id`: the run's turns split by component, and its cards. */
export async function getRun(id: string, ctx: AppContext): Promise<Response> {
  const turns = await ctx.store.getRun(id);
  if (turns.length === 0) return notFound(`No run with id "${id}"`);
  return Response.json({ id, turns, cards: runCards(turns) });
}
