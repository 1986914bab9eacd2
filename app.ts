import { createProxy, type ProxyOptions } from "./proxy/mod.ts";
import { type AppContext, handleLocal, LOCAL_PREFIX } from "./routes/mod.ts";

/** Options for {@linkcode createApp}. */
export interface AppOptions extends ProxyOptions {
  context: AppContext;
}

/** The HTTP handler; `endOpen` ends the calls still open when shutdown's grace is over. */
export interface App {
  (request: Request): Promise<Response> | Response;
  endOpen(): void;
}

/** The whole HTTP surface: llmprof's own pages under /_llmprof/, everything else proxied. */
export function createApp(options: AppOptions): App {
  const proxy = createProxy(options);
  const app = (request: Request) => {
    const url = new URL(request.url);
    if (url.pathname === LOCAL_PREFIX || url.pathname.startsWith(LOCAL_PREFIX + "/")) {
      return handleLocal(request, url, options.context);
    }
    if (url.pathname === "/" && (request.method === "GET" || request.method === "HEAD")) {
      return Response.redirect(new URL(LOCAL_PREFIX + "/", url), 302);
    }
    return proxy(request, url);
  };
  return Object.assign(app, { endOpen: proxy.endOpen });
}
