import type { Api, CapturedCall } from "../core/call.ts";
import type { Analysis } from "../analysis/analysis.ts";
import type { StoredCall } from "../store/contract.ts";

const encoder = new TextEncoder();

/** A captured call for tests: JSON request and response given as values or raw text. */
export function capturedCall(
  api: Api,
  request: unknown,
  response: unknown = null,
  fields: Partial<CapturedCall> = {},
): CapturedCall {
  const bytes = (value: unknown): Uint8Array | null =>
    value === null
      ? null
      : value instanceof Uint8Array
      ? value
      : encoder.encode(typeof value === "string" ? value : JSON.stringify(value));
  const requestBody = bytes(request);
  const responseBody = bytes(response);
  const sse = typeof response === "string" && /^(data|event):/.test(response);
  return {
    id: crypto.randomUUID(),
    startedAt: Date.parse("2026-11-27T10:00:00Z"),
    method: "POST",
    path: api === "messages"
      ? "/v1/messages"
      : api === "responses"
      ? "/v1/responses"
      : "/v1/chat/completions",
    query: "",
    api,
    provider: api === "messages" ? "anthropic" : "openai",
    upstream: "https://api.example.com",
    requestHeaders: {},
    requestBody,
    requestBytes: requestBody?.byteLength ?? 0,
    status: 200,
    responseHeaders: { "content-type": sse ? "text/event-stream" : "application/json" },
    responseBody,
    responseBytes: responseBody?.byteLength ?? 0,
    ttfbMs: 5,
    durationMs: 20,
    clientAborted: false,
    error: null,
    ...fields,
  };
}

/**
 * An analysed call as the writer takes it, placed as turn `index + 1` of the run `run`
 * (a new run at index 0, chained after it), for tests and benchmarks that store a run.
 */
export function storedTurn(analysis: Analysis, run: string, index: number): StoredCall {
  analysis.record.session = {
    id: run,
    turn: index + 1,
    source: index ? "chain" : "new",
    parent_id: null,
    retry_of: null,
    fork: false,
  };
  return { record: analysis.record, request: analysis.request, blocks: analysis.blocks };
}
