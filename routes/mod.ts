import { getCall, listCalls } from "./api/calls.ts";
import { summary } from "./api/summary.ts";
import { getSession, listSessions } from "./api/sessions.ts";
import { badRequest, notFound } from "./api/_errors.ts";
import type { AppContext } from "./context.ts";
import { health } from "./health.ts";
import { handlePage, storeUnreachablePage } from "./pages.tsx";

export type { AppContext } from "./context.ts";

/** Path prefix of llmprof's own pages, assets and API. */
export const LOCAL_PREFIX = "/_llmprof";

/** Serves llmprof's own paths. */
export async function handleLocal(request: Request, url: URL, ctx: AppContext): Promise<Response> {
  const path = url.pathname.slice(LOCAL_PREFIX.length) || "/";
  if (request.method !== "GET" && request.method !== "HEAD") {
    return Response.json({ error: `${request.method} is not allowed here` }, {
      status: 405,
      headers: { allow: "GET" },
    });
  }
  try {
    if (path === "/health") return await health(ctx);
    if (path === "/api/calls") return await listCalls(url, ctx);
    if (path === "/api/summary") return await summary(url, ctx);
    if (path === "/api/sessions") return await listSessions(url, ctx);
    const session = /^\/api\/sessions\/([^/]+)$/.exec(path);
    if (session) return await getSession(decodeURIComponent(session[1]), ctx);
    const page = await handlePage(path, url, ctx);
    if (page) return page;
    const call = /^\/api\/calls\/([^/]+)$/.exec(path);
    if (call) return await getCall(decodeURIComponent(call[1]), ctx);
  } catch (error) {
    if (error instanceof URIError) {
      return badRequest(
        `Malformed percent-encoding in ${url.pathname}: encode the id with encodeURIComponent.`,
      );
    }
    const detail = `The store did not answer: ${(error as Error).message}`;
    if (!path.startsWith("/api/")) return storeUnreachablePage(detail);
    return Response.json({ error: detail }, { status: 503 });
  }
  return notFound(`No llmprof page at ${url.pathname}`);
}
