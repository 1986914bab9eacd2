import { createParser } from "eventsource-parser";

/** One server-sent event. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** Splits an SSE body into its events; a body cut short yields the events that completed. */
export function parseSse(body: Uint8Array): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) });
  parser.feed(new TextDecoder().decode(body));
  return events;
}

/** The JSON payloads of an SSE body's events, skipping `[DONE]` and data that is not JSON. */
export function sseJson(
  body: Uint8Array,
): Array<{ event: string | undefined; data: Record<string, unknown> }> {
  const out: Array<{ event: string | undefined; data: Record<string, unknown> }> = [];
  for (const e of parseSse(body)) {
    if (e.data === "[DONE]") continue;
    try {
      const data = JSON.parse(e.data);
      if (typeof data === "object" && data !== null) out.push({ event: e.event, data });
    } catch {
      // A malformed event is skipped; the others still count.
    }
  }
  return out;
}

/** True when a body looks like SSE rather than JSON. */
export function looksLikeSse(body: Uint8Array, contentType: string | undefined): boolean {
  if (contentType?.toLowerCase().startsWith("text/event-stream")) return true;
  const head = new TextDecoder().decode(body.subarray(0, 64)).trimStart();
  return head.startsWith("data:") || head.startsWith("event:");
}
