/**
 * The calls list's text search: what is indexed for a call, and how a search box's text
 * becomes one query both SQLite FTS5 and Postgres's websearch_to_tsquery read the same way.
 * @module
 */
import type { Block } from "../core/blocks.ts";
import type { StoredCall } from "./contract.ts";

/** Most characters indexed per call. */
export const MAX_INDEXED_CHARS = 32_000;

/**
 * A search as both backends read it: each word and each "quoted phrase" in double quotes,
 * all of which must occur; null when nothing is left to search for.
 */
export function searchQuery(text: string): string | null {
  const terms: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|(\S+)/g)) {
    const term = (match[1] ?? match[2]).replaceAll('"', "").trim();
    if (term !== "") terms.push(`"${term}"`);
  }
  return terms.length > 0 ? terms.join(" ") : null;
}

/**
 * The text a call brings to the index: the blocks of its prompt written for the first time
 * with it (so a conversation's earlier turns are indexed once, with the call that sent them),
 * or its whole request when it was not split, then its response and tool calls.
 */
export function indexedText(call: StoredCall, fresh: ReadonlySet<string>): string {
  const parts: string[] = [];
  if (call.blocks) {
    for (const b of call.blocks.blocks as readonly Block[]) {
      if (b.kind !== null && fresh.has(b.hash)) parts.push(b.text);
    }
  } else if (call.request) parts.push(call.request);
  const response = call.record.response;
  if (response) {
    if (response.text) parts.push(response.text);
    for (const t of response.tool_calls) parts.push(`${t.name} ${t.arguments}`);
  }
  return parts.join("\n").slice(0, MAX_INDEXED_CHARS);
}
