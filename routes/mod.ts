import type { AppContext } from "./context.ts";
import { health } from "./health.ts";

export type { AppContext } from "./context.ts";

/** Path prefix of llmprof's own pages, assets and API. */
export const LOCAL_PREFIX = "/_llmprof";

/** Serves llmprof's own paths. */
export function handleLocal(
  request: Request,
  url: URL,
  ctx: AppContext,
): Promise<Response> | Response {
  const path = url.pathname.slice(LOCAL_PREFIX.length) || "/";
  if (request.method === "GET" && path === "/health") return health(ctx);
  return Response.json({ error: `No llmprof page at ${url.pathname}` }, { status: 404 });
}
