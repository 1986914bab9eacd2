import type { ComponentName } from "../core/record.ts";

/**
 * A piece of a prompt attributed to one component: text to count, or a known
 * token count (images, fixed per-message overheads). `label` names the child
 * frame (a tool's name) under the component.
 */
export interface Segment {
  component: ComponentName;
  label?: string;
  text?: string;
  tokens?: number;
  /** Index of the message (or input item) it came from; absent for system fields and tools. */
  message?: number;
}

/** What a request parser found: the prompt's segments, the model, and notes on estimates. */
export interface ParsedRequest {
  model: string | null;
  stream: boolean;
  segments: Segment[];
  notes: string[];
  /** Responses API: the response this call continues. */
  previousResponseId: string | null;
  /** Gemini: the cached content the prompt starts with, held upstream and not in the body. */
  cachedContent?: string | null;
}

/** A parser's result: the request's model and stream flag read from its body, with what was found. */
export function parsedRequest(
  body: Record<string, unknown>,
  segments: Segment[],
  notes: string[],
  previousResponseId: string | null = null,
): ParsedRequest {
  return {
    model: typeof body.model === "string" ? body.model : null,
    stream: body.stream === true,
    segments,
    notes,
    previousResponseId,
  };
}

/** What a parser answers for a body that is not a JSON object. */
export function notAnObject(): ParsedRequest {
  return {
    model: null,
    stream: false,
    segments: [],
    notes: ["the request body is not a JSON object"],
    previousResponseId: null,
  };
}

/** True when any segment is an image, document or other file: the only parts that carry base64. */
export function hasMedia(segments: readonly Segment[]): boolean {
  return segments.some((s) => s.component === "images & files");
}

/** Narrows an unknown JSON value to an object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string field, or "" when missing or not a string. */
export function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** JSON text of a value for counting; never throws (cycles and depth give a placeholder). */
export function jsonText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "[unserialisable]";
  }
}

/** Marks the segments pushed since `from` as coming from message `index`. */
export function tagMessage(segments: Segment[], from: number, index: number): void {
  for (let i = from; i < segments.length; i++) segments[i].message = index;
}
