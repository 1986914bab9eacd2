import { isLoopback } from "../core/hosts.ts";
import type { Api, Provider } from "../core/call.ts";

/** The configured upstreams a request can go to. */
export type UpstreamName = "openai" | "anthropic" | "gemini" | "vertex" | "azure";

/** What llmprof does with a request: analyse it as a known API, or pass it through. */
export interface Endpoint {
  api: Api;
  provider: Provider;
  /** Which configured upstream receives it. */
  upstream: UpstreamName;
  /** True for the analysed APIs. */
  recognised: boolean;
}

const ANALYSED: ReadonlyArray<[suffix: string, api: Api, provider: Provider]> = [
  ["/v1/chat/completions", "chat.completions", "openai"],
  ["/v1/responses", "responses", "openai"],
  ["/v1/messages", "messages", "anthropic"],
];

/** `…/models/M:verb`, the Gemini and Vertex AI method paths. */
const MODEL_VERB = /\/models\/[^/:]+:([A-Za-z]+)$/;
/** Azure OpenAI: a deployment's chat completions or Responses, or the resource's Responses. */
const AZURE = /\/openai\/(deployments\/[^/]+\/|v1\/)?(chat\/completions|responses)$/;

function analysed(api: Api, provider: Provider, upstream: UpstreamName): Endpoint {
  return { api, provider, upstream, recognised: true };
}

function passthrough(provider: Provider, upstream: UpstreamName): Endpoint {
  return { api: "passthrough", provider, upstream, recognised: false };
}

/** Vertex AI paths name a publisher's model, or a project and a location. */
function isVertex(path: string): boolean {
  return path.includes("/publishers/") ||
    (path.includes("/projects/") && path.includes("/locations/"));
}

/**
 * Classifies a request by path suffix, so base URLs with any prefix work.
 * Only POSTs are analysed: `GET /v1/chat/completions` lists stored completions.
 */
export function matchEndpoint(method: string, pathname: string, headers: Headers): Endpoint {
  const path = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
  const verb = MODEL_VERB.exec(path)?.[1];
  const google: UpstreamName = isVertex(path) ? "vertex" : "gemini";
  if (method === "POST") {
    if (verb === "generateContent" || verb === "streamGenerateContent") {
      return analysed("generateContent", "google", google);
    }
    // Claude's token counter on Vertex is `…/models/count-tokens:rawPredict`: not a model call.
    if (
      (verb === "rawPredict" || verb === "streamRawPredict") && path.includes("/anthropic/") &&
      !path.includes("/models/count-tokens:")
    ) {
      return analysed("messages", "anthropic", "vertex");
    }
    const azure = AZURE.exec(path);
    // `/openai/v1/…` is also an OpenAI-compatible prefix: only Azure's \`api-key\` makes it Azure's.
    if (
      azure && (azure[1]?.startsWith("deployments") || path.endsWith("/openai/responses") ||
        headers.has("api-key"))
    ) {
      return analysed(
        azure[2] === "responses" ? "responses" : "chat.completions",
        "azure",
        "azure",
      );
    }
    for (const [suffix, api, provider] of ANALYSED) {
      if (path.endsWith(suffix)) {
        return analysed(api, provider, provider === "anthropic" ? "anthropic" : "openai");
      }
    }
  }
  if (verb !== undefined || isVertex(path)) {
    return passthrough(
      google === "vertex" && path.includes("/anthropic/") ? "anthropic" : "google",
      google,
    );
  }
  if (
    headers.has("x-goog-api-key") || /^\/(v1beta|v1alpha|upload)\//.test(path)
  ) {
    return passthrough("google", "gemini");
  }
  if (path.includes("/openai/deployments/") || headers.has("api-key")) {
    return passthrough("azure", "azure");
  }
  const anthropic = headers.has("anthropic-version") || headers.has("x-api-key");
  return passthrough(anthropic ? "anthropic" : "unknown", anthropic ? "anthropic" : "openai");
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
  return host === bound || ((anyAddress || isLoopback(bound)) && isLoopback(host));
}
