import type { Api, Provider } from "../core/call.ts";

/** What llmprof does with a request: analyse it as a known API, or pass it through. */
export interface Endpoint {
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
export function matchEndpoint(method: string, pathname: string, headers: Headers): Endpoint {
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

/**
 * What every upstream URL of `base` starts with: its origin and path, without a trailing
 * slash. A request's upstream URL is this plus its path and query, both already URL-encoded:
 * built as a string, since each URL setter is a call into the runtime and fetch parses its
 * URL again anyway.
 */
export function upstreamPrefix(base: URL): string {
  const basePath = base.pathname.endsWith("/") ? base.pathname.slice(0, -1) : base.pathname;
  return base.origin + basePath;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/**
 * Whether an upstream URL points back at llmprof's own listening address: requests sent
 * there would come straight back and multiply until the process runs out of sockets.
 */
export function pointsAtSelf(upstream: URL, listen: { host: string; port: number }): boolean {
  const port = Number(upstream.port || (upstream.protocol === "https:" ? 443 : 80));
  if (port !== listen.port) return false;
  const host = upstream.hostname.replace(/^\[|\]$/g, "");
  const bound = listen.host.replace(/^\[|\]$/g, "");
  const anyAddress = bound === "0.0.0.0" || bound === "::";
  return host === bound || ((anyAddress || LOOPBACK.test(bound)) && LOOPBACK.test(host));
}
