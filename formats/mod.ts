/**
 * Wire formats: one file per provider API behind one interface ({@linkcode WireFormat}),
 * and the registry that the rest of llmprof asks instead of branching on the API.
 * @module
 */
import { chatFormat } from "./chat.ts";
import type { WireFormat } from "./format.ts";
import { geminiFormat } from "./gemini.ts";
import { messagesFormat } from "./messages.ts";
import { responsesFormat } from "./responses.ts";

export type { ChainParts, Json, ShownMessage, WireFormat } from "./format.ts";

/** Every format llmprof parses, keyed by the API it speaks. */
export const FORMATS: Readonly<Record<WireFormat["api"], WireFormat>> = {
  "chat.completions": chatFormat,
  "responses": responsesFormat,
  "messages": messagesFormat,
  "generateContent": geminiFormat,
};

/** The format of an API, or null for calls that are only passed through. */
export function formatOf(api: string): WireFormat | null {
  return Object.hasOwn(FORMATS, api) ? FORMATS[api as WireFormat["api"]] : null;
}
