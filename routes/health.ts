import type { AppContext } from "./context.ts";

/** `GET /_llmprof/health`: is llmprof up, does its store answer (and how big it is), is analysis keeping up. */
export async function health(ctx: AppContext): Promise<Response> {
  const [probe, queue, writer] = [await ctx.store.health(), ctx.queue(), ctx.writer()];
  const ok = probe.ok && writer.ok;
  const size = probe.ok ? await ctx.store.stats().catch(() => null) : null;
  return Response.json({
    status: ok ? "ok" : "degraded",
    version: ctx.version,
    store: {
      kind: ctx.store.kind,
      ok,
      error: probe.error ?? writer.error,
      backlog: writer.backlog,
      dropped: writer.dropped,
      written: writer.written,
      calls: size?.calls ?? null,
      bytes: size?.bytes ?? null,
    },
    queue: { pending: queue.pending, dropped: queue.dropped },
    analysis: ctx.analysis(),
  });
}
