import { LOCAL_PREFIX } from "../core/paths.ts";
import { getCall, getCallRequest, listCalls } from "./api/calls.ts";
import { badRequest, notFound } from "./api/_errors.ts";
import { getRun, listRuns } from "./api/runs.ts";
import { summary } from "./api/summary.ts";
import { exportFile } from "./api/export.ts";
import { events } from "./api/events.ts";
import { overview } from "./api/overview.ts";
import { compare } from "./api/compare.ts";
import type { AppContext } from "./context.ts";
import { health } from "./health.ts";
import {
  asset,
  callPageResponse,
  callsPageResponse,
  overviewPageResponse,
  comparePageResponse,
  runsPageResponse,
  storeUnreachablePage,
  trendsPageResponse,
} from "./pages.tsx";

export type { AppContext } from "./context.ts";
export { LOCAL_PREFIX };

/** What answers one of llmprof's own paths: the request's URL, the path's parameters, the context, the request. */
type Handler = (
  url: URL,
  params: Readonly<Record<string, string>>,
  ctx: AppContext,
  request: Request,
) => Promise<Response> | Response;

/** llmprof's own paths below {@linkcode LOCAL_PREFIX}: `:name` matches one path segment. */
const PATHS: ReadonlyArray<readonly [pattern: string, handler: Handler]> = [
  ["/health", (_url, _params, ctx) => health(ctx)],
  ["/api/calls", (url, _params, ctx) => listCalls(url, ctx)],
  ["/api/calls/:id", (_url, params, ctx) => getCall(params.id, ctx)],
  ["/api/events", (_url, _params, ctx, request) => events(request, ctx)],
  ["/api/calls/:id/request", (_url, params, ctx) => getCallRequest(params.id, ctx)],
  ["/api/summary", (url, _params, ctx) => summary(url, ctx)],
  ["/api/export", (url, _params, ctx) => exportFile(url, ctx)],
  ["/api/compare", (url, _params, ctx) => compare(url, ctx)],
  ["/api/runs", (url, _params, ctx) => listRuns(url, ctx, { key: "runs" })],
  ["/api/runs/:id", (_url, params, ctx) => getRun(params.id, ctx)],
  // The first round's names for runs, kept so existing scripts go on working.
  ["/api/sessions", (url, _params, ctx) => listRuns(url, ctx, { key: "sessions" })],
  ["/api/sessions/:id", (_url, params, ctx) => getRun(params.id, ctx)],
  ["/api/overview", (_url, _params, ctx) => overview(ctx)],
  ["/", (url, _params, ctx) => overviewPageResponse(url, ctx)],
  ["/calls", (url, _params, ctx) => callsPageResponse(url, ctx)],
  ["/runs", (url, _params, ctx) => runsPageResponse(url, ctx)],
  ["/trends", (_url, _params, ctx) => trendsPageResponse(ctx)],
  ["/calls/:id", (_url, params, ctx) => callPageResponse(params.id, ctx)],
  ["/compare", (url, _params, ctx) => comparePageResponse(url, ctx)],
  ["/static/:name", (_url, params) => asset(params.name)],
];

const COMPILED = PATHS.map(([pattern, handler]) => ({ parts: pattern.split("/"), handler }));

/** Thrown for a path segment that is not valid percent-encoding. */
class BadPath extends Error {}

/** The handler and parameters for a path, or null when no pattern matches it. */
function match(path: string): { handler: Handler; params: Record<string, string> } | null {
  const parts = path.split("/");
  for (const route of COMPILED) {
    if (route.parts.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const same = route.parts.every((part, i) => {
      if (part.startsWith(":")) {
        if (parts[i] === "") return false;
        try {
          params[part.slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          throw new BadPath(parts[i]);
        }
        return true;
      }
      return part === parts[i];
    });
    if (same) return { handler: route.handler, params };
  }
  return null;
}

/** Whether a path of ours answers in JSON (the API and health) rather than as a page. */
function answersJson(path: string): boolean {
  return path.startsWith("/api/") || path === "/health";
}

/** The one place where a failure to answer becomes a response, in the path's own kind. */
function failure(error: unknown, path: string, url: URL): Response {
  if (error instanceof BadPath) {
    return badRequest(
      `Malformed percent-encoding in ${url.pathname} ("${error.message}"): encode the id with encodeURIComponent.`,
    );
  }
  const detail = `The store did not answer: ${error instanceof Error ? error.message : error}`;
  if (!answersJson(path)) return storeUnreachablePage(detail);
  return Response.json({ error: detail }, { status: 503 });
}

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
    const found = match(path);
    if (found === null) return notFound(`No llmprof page at ${url.pathname}`);
    return await found.handler(url, found.params, ctx, request);
  } catch (error) {
    return failure(error, path, url);
  }
}
