import { runCards } from "../../reports/run_cards.ts";
import type { AppContext } from "../context.ts";
import { badRequest, notFound } from "./_errors.ts";

/** `GET /_llmprof/api/sessions?limit&offset`: runs, most recently active first. */
export async function listSessions(url: URL, ctx: AppContext): Promise<Response> {
  const limit = Number(url.searchParams.get("limit") ?? 100);
  const offset = Number(url.searchParams.get("offset") ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) {
    return badRequest("limit and offset must be whole numbers (limit at least 1)");
  }
  return Response.json({ sessions: await ctx.store.listSessions({ limit, offset }) });
}

/** `GET /_llmprof/api/sessions/:id`: the run's turns split by component, and its cards. */
export async function getSession(id: string, ctx: AppContext): Promise<Response> {
  const turns = await ctx.store.getSession(id);
  if (turns.length === 0) return notFound(`No run with id "${id}"`);
  return Response.json({ id, turns, cards: runCards(turns) });
}
