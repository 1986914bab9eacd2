import { createProxy, type ProxyOptions } from "./proxy/mod.ts";
import { type AppContext, handleLocal, LOCAL_PREFIX } from "./routes/mod.ts";
import { Guard, type GuardOptions, secured } from "./routes/guard.ts";
import { login } from "./routes/login.tsx";

/** Options for {@linkcode createApp}. */
export interface AppOptions extends ProxyOptions {
  context: AppContext;
  /** Who may reach llmprof's own routes, and which browsers may use the proxied paths. */
  guard: GuardOptions;
}

/** The HTTP handler; `endOpen` ends the calls still open when shutdown's grace is over. */
export interface App {
  (request: Request): Promise<Response> | Response;
  endOpen(): void;
}

/** Paths under /_llmprof/ served without the token: the login form and the assets it uses. */
const OPEN = /^\/_llmprof\/(login|static\/[\w.-]+)$/;

/** The whole HTTP surface: llmprof's own pages under /_llmprof/, everything else proxied. */
export function createApp(options: AppOptions): App {
  const proxy = createProxy(options);
  const guard = new Guard(options.guard);
  const app = (request: Request) => {
    const url = new URL(request.url);
    const local = url.pathname === LOCAL_PREFIX || url.pathname.startsWith(LOCAL_PREFIX + "/");
    if (
      local || (url.pathname === "/" && (request.method === "GET" || request.method === "HEAD"))
    ) {
      return serveLocal(request, url, local);
    }
    return guard.checkProxied(request) ?? proxy(request, url);
  };
  return Object.assign(app, { endOpen: proxy.endOpen });

  async function serveLocal(request: Request, url: URL, local: boolean): Promise<Response> {
    const refused = guard.checkHostAndOrigin(request);
    if (refused) return secured(refused);
    if (!local) return secured(Response.redirect(new URL(LOCAL_PREFIX + "/", url), 302));
    if (guard.tokenRequired && url.pathname === LOCAL_PREFIX + "/login") {
      return secured(await login(request, url, guard));
    }
    if (!guard.authorised(request) && !OPEN.test(url.pathname)) {
      return secured(unauthorised(request));
    }
    return secured(await handleLocal(request, url, options.context));
  }
}

function unauthorised(request: Request): Response {
  if (request.method === "GET" && (request.headers.get("accept") ?? "").includes("text/html")) {
    return new Response(null, { status: 303, headers: { location: "/_llmprof/login" } });
  }
  return Response.json({
    error:
      "This llmprof needs its token: send Authorization: Bearer <token>, or sign in at /_llmprof/login.",
  }, { status: 401, headers: { "www-authenticate": 'Bearer realm="llmprof"' } });
}
