import type { Provider } from "../core/call.ts";

/**
 * A 502 response in the provider's own error shape, so SDKs surface the message
 * instead of failing to parse it.
 */
export function upstreamErrorResponse(provider: Provider, message: string): Response {
  const body = provider === "anthropic"
    ? { type: "error", error: { type: "api_error", message } }
    : provider === "google"
    ? { error: { code: 502, message, status: "UNAVAILABLE" } }
    : {
      error: { message, type: "upstream_error", param: null, code: "llmprof_upstream_unreachable" },
    };
  return Response.json(body, { status: 502, headers: { "x-llmprof-error": "upstream" } });
}
