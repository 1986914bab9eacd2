/**
 * Finding a request's natural blocks in its text: where each JSON value starts and ends,
 * so a format can cut the text into pieces that join back to the exact bytes.
 * @module
 */
import type { TextPiece } from "../core/blocks.ts";
import type { ComponentName } from "../core/record.ts";

/** Where a JSON value sits in the text, with its members or items to the depth scanned. */
export interface JsonSpan {
  start: number;
  end: number;
  members?: Map<string, JsonSpan>;
  items?: JsonSpan[];
}

/** A span of the text that becomes one block. */
export interface Cut {
  start: number;
  end: number;
  kind: ComponentName;
  label: string | null;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Where each value of valid JSON text sits, down to `depth` levels; null when the text is not JSON. */
export function scanJson(text: string, depth = 4): JsonSpan | null {
  let at = 0;
  const skipWs = () => {
    while (at < text.length && WS.has(text.charCodeAt(at))) at++;
  };
  // Finds each quote natively and counts the backslashes before it: an even run leaves it
  // unescaped. A character-by-character loop was a twentieth of an agent turn's analysis.
  const skipString = () => {
    at++; // the opening quote
    for (;;) {
      const quote = text.indexOf('"', at);
      if (quote < 0) throw new Error("unterminated string");
      let before = quote;
      while (before > at && text.charCodeAt(before - 1) === 0x5c) before--;
      at = quote + 1;
      if ((quote - before) % 2 === 0) return;
    }
  };
  /** Skips a whole value without recording what is inside. */
  const skipValue = () => {
    let open = 0;
    do {
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        skipString();
        continue;
      }
      if (c === 0x7b || c === 0x5b) open++;
      else if (c === 0x7d || c === 0x5d) open--;
      else if (open === 0) {
        // A scalar at the top of the skip: up to the next delimiter.
        while (at < text.length && !/[,\]}\s]/.test(text[at])) at++;
        return;
      }
      at++;
    } while (open > 0 && at < text.length);
  };
  const value = (level: number): JsonSpan => {
    skipWs();
    const start = at;
    const c = text.charCodeAt(at);
    if (level >= depth || (c !== 0x7b && c !== 0x5b)) {
      skipValue();
      return { start, end: at };
    }
    at++;
    if (c === 0x7b) {
      const members = new Map<string, JsonSpan>();
      skipWs();
      if (text.charCodeAt(at) === 0x7d) return { start, end: ++at, members };
      for (;;) {
        skipWs();
        const keyStart = at;
        skipString();
        const raw = text.slice(keyStart, at);
        const key = raw.includes("\\") ? JSON.parse(raw) as string : raw.slice(1, -1);
        skipWs();
        at++; // the colon
        members.set(key, value(level + 1));
        skipWs();
        if (text.charCodeAt(at++) === 0x7d) return { start, end: at, members };
      }
    }
    const items: JsonSpan[] = [];
    skipWs();
    if (text.charCodeAt(at) === 0x5d) return { start, end: ++at, items };
    for (;;) {
      items.push(value(level + 1));
      skipWs();
      if (text.charCodeAt(at++) === 0x5d) return { start, end: at, items };
    }
  };
  try {
    const root = value(0);
    skipWs();
    return at === text.length ? root : null;
  } catch {
    return null;
  }
}

/** The text cut at `cuts` (in any order, not overlapping), with the glue between them as pieces of their own. */
export function cutText(text: string, cuts: readonly Cut[]): TextPiece[] {
  const sorted = [...cuts].sort((a, b) => a.start - b.start);
  const pieces: TextPiece[] = [];
  let at = 0;
  for (const cut of sorted) {
    if (cut.start < at) continue;
    if (cut.start > at) pieces.push({ text: text.slice(at, cut.start), kind: null, label: null });
    pieces.push({ text: text.slice(cut.start, cut.end), kind: cut.kind, label: cut.label });
    at = cut.end;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), kind: null, label: null });
  return pieces;
}

/** The whole text as one piece: what a body that is not JSON, or not an object, splits into. */
export function wholeText(text: string): TextPiece[] {
  return text ? [{ text, kind: "formatting overhead", label: null }] : [];
}

/** Cuts for each tool schema of a `tools` array, labelled with the tool's name. */
export function toolCuts(span: JsonSpan | undefined, tools: unknown): Cut[] {
  if (!span?.items || !Array.isArray(tools)) return [];
  return span.items.map((s, i) => ({
    ...s,
    kind: "tool schemas" as const,
    label: toolName(tools[i]),
  }));
}

function toolName(tool: unknown): string | null {
  if (typeof tool !== "object" || tool === null) return null;
  const t = tool as { name?: unknown; function?: { name?: unknown } };
  const name = t.name ?? t.function?.name;
  return typeof name === "string" ? name : null;
}

/** What a format says a conversation item (or one part of its content) is. */
export type Classify = (
  item: Record<string, unknown>,
  part: Record<string, unknown> | null,
) => { kind: ComponentName; label: string | null };

/**
 * Cuts for a conversation's items: an item whose `content` is an array becomes one block
 * per part (and one per member named in `alsoCut`, such as chat's `tool_calls`); any other
 * item is one block.
 */
export function conversationCuts(
  span: JsonSpan | undefined,
  items: unknown,
  options: { classify: Classify; alsoCut?: readonly string[] },
): Cut[] {
  if (!span?.items || !Array.isArray(items)) return [];
  const cuts: Cut[] = [];
  span.items.forEach((itemSpan, i) => {
    const item = items[i];
    if (typeof item !== "object" || item === null) return;
    const it = item as Record<string, unknown>;
    const content = itemSpan.members?.get("content");
    if (!content?.items || !Array.isArray(it.content)) {
      cuts.push({ start: itemSpan.start, end: itemSpan.end, ...options.classify(it, null) });
      return;
    }
    content.items.forEach((partSpan, j) => {
      const part = it.content as unknown[];
      const p = typeof part[j] === "object" && part[j] !== null
        ? part[j] as Record<string, unknown>
        : { type: "text" };
      cuts.push({ start: partSpan.start, end: partSpan.end, ...options.classify(it, p) });
    });
    for (const name of options.alsoCut ?? []) {
      const member = itemSpan.members?.get(name);
      if (member) {
        cuts.push({
          start: member.start,
          end: member.end,
          ...options.classify(it, { type: name }),
        });
      }
    }
  });
  return cuts;
}
