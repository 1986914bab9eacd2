import type { Provider } from "../core/call.ts";

/**
 * A 502 response in the provider's own error shape, so SDKs surface the message
 * instead of failing to parse it.
 */
export function upstreamErrorResponse(provider: Provider, message: string): Response {
  return errorResponse(provider, message, {
    status: 502,
    type: provider === "anthropic" ? "api_error" : "upstream_error",
    code: "llmprof_upstream_unreachable",
    source: "upstream",
  });
}

/** A 400 in the provider's own error shape, for a request llmprof could not read. */
export function clientErrorResponse(provider: Provider, message: string): Response {
  return errorResponse(provider, message, {
    status: 400,
    type: "invalid_request_error",
    code: "llmprof_bad_request",
    source: "request",
  });
}

function errorResponse(
  provider: Provider,
  message: string,
  as: { status: number; type: string; code: string; source: string },
): Response {
  const body = provider === "anthropic"
    ? { type: "error", error: { type: as.type, message } }
    : provider === "google"
    ? {
      error: {
        code: as.status,
        message,
        status: as.status === 400 ? "INVALID_ARGUMENT" : "UNAVAILABLE",
      },
    }
    : { error: { message, type: as.type, param: null, code: as.code } };
  return Response.json(body, { status: as.status, headers: { "x-llmprof-error": as.source } });
}
