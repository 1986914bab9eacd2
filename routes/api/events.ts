import type { AppContext } from "../context.ts";

/**
 * `GET /_llmprof/api/events`: server-sent events, one `call` event (its id, time, run,
 * provider, model and cost) as each call has been analysed and stored, `ready` on connecting
 * and `resync` after a slow page missed some. Behind the same Host, Origin and token checks
 * as every other llmprof route.
 */
export function events(request: Request, ctx: AppContext): Response {
  if (!ctx.events) {
    return Response.json({
      error: "This llmprof has no live feed; reload the page to see new calls.",
    }, {
      status: 503,
    });
  }
  return new Response(ctx.events.subscribe(request.signal), {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
