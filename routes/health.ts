import type { AppContext } from "./context.ts";

/** `GET /_llmprof/health`: is llmprof up, does its store answer, is analysis keeping up. */
export async function health(ctx: AppContext): Promise<Response> {
  const store = await ctx.store();
  const queue = ctx.queue();
  return Response.json({
    status: store.ok ? "ok" : "degraded",
    version: ctx.version,
    store,
    queue: { pending: queue.pending, dropped: queue.dropped },
    analysis: ctx.analysis(),
  });
}
