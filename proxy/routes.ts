import type { Api, Provider } from "./call.ts";

/** What llmprof does with a request: analyse it as a known API, or pass it through. */
export interface RouteMatch {
  api: Api;
  provider: Provider;
  /** Which configured upstream receives it. */
  upstream: "openai" | "anthropic";
  /** True for the three analysed APIs. */
  recognised: boolean;
}

const ANALYSED: ReadonlyArray<[suffix: string, api: Api, provider: Provider]> = [
  ["/v1/chat/completions", "chat.completions", "openai"],
  ["/v1/responses", "responses", "openai"],
  ["/v1/messages", "messages", "anthropic"],
];

/**
 * Classifies a request by path suffix, so base URLs with any prefix work.
 * Only POSTs are analysed: `GET /v1/chat/completions` lists stored completions.
 */
export function matchRoute(method: string, pathname: string, headers: Headers): RouteMatch {
  const path = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
  if (method === "POST") {
    for (const [suffix, api, provider] of ANALYSED) {
      if (path.endsWith(suffix)) {
        return {
          api,
          provider,
          upstream: provider === "anthropic" ? "anthropic" : "openai",
          recognised: true,
        };
      }
    }
  }
  const anthropic = headers.has("anthropic-version") || headers.has("x-api-key");
  return {
    api: "passthrough",
    provider: anthropic ? "anthropic" : "unknown",
    upstream: anthropic ? "anthropic" : "openai",
    recognised: false,
  };
}

/** The upstream URL for a request: the upstream base (with its own path) plus the request's path and query. */
export function upstreamUrl(base: URL, pathname: string, search: string): URL {
  const basePath = base.pathname.endsWith("/") ? base.pathname.slice(0, -1) : base.pathname;
  const target = new URL(base.origin);
  target.pathname = basePath + pathname;
  target.search = search;
  return target;
}
