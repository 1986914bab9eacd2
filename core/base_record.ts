import type { CapturedCall } from "./call.ts";
import type { CallRecord } from "./record.ts";

/** The record of a call with nothing analysed yet: what the proxy saw. */
export function baseRecord(call: CapturedCall, error: string | null = call.error): CallRecord {
  return {
    id: call.id,
    created_at: new Date(call.startedAt).toISOString(),
    provider: call.provider,
    api: call.api,
    model: null,
    method: call.method,
    path: call.path,
    status: call.status,
    stream: false,
    client_aborted: call.clientAborted,
    error,
    timings: {
      ttfb_ms: call.ttfbMs === null ? null : round(call.ttfbMs),
      duration_ms: round(call.durationMs),
    },
    usage: null,
    attribution: null,
    response: null,
    cost: null,
    session: null,
    route: null,
    findings: [],
    request_bytes: call.requestBytes,
    response_bytes: call.responseBytes,
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** A call's error with another reason added, "; "-separated. */
export function joinErrors(existing: string | null, added: string): string {
  return existing ? `${existing}; ${added}` : added;
}
