import type { LayoutSegment } from "./attribute.ts";
import { hash64 } from "../core/hash.ts";
import type { ComponentName } from "../core/record.ts";

/** A stretch of the prompt in the provider's layout, as cache diagnosis compares turns. */
export interface OutlineBlock {
  component: ComponentName;
  /** The tool's name for schemas, calls and results; null otherwise. */
  label: string | null;
  /** Index of the message or input item it belongs to; null for the system field and tools. */
  message: number | null;
  text: string;
  /** Tokens of the prompt from its start to the end of this block. */
  end: number;
}

/**
 * The prompt's text blocks in layout order with their running token totals: one block per
 * message part and per tool, consecutive pieces of the same part joined. Formatting overhead
 * adds to the running total but is not a block.
 */
export function promptOutline(layout: readonly LayoutSegment[]): OutlineBlock[] {
  const blocks: OutlineBlock[] = [];
  let at = 0;
  for (const part of layout) {
    at += part.tokens;
    const segment = part.segment;
    if (!segment || segment.component === "formatting overhead" || segment.text === undefined) {
      continue;
    }
    const label = segment.label ?? null;
    const message = segment.message ?? null;
    const last = blocks.at(-1);
    if (
      last && last.component === segment.component && last.label === label &&
      last.message === message && message === null && label !== null
    ) {
      // A chat tool schema is counted in pieces (name, each parameter); it is one block.
      last.text += `\n${segment.text}`;
      last.end = at;
      continue;
    }
    blocks.push({ component: segment.component, label, message, text: segment.text, end: at });
  }
  return blocks;
}

/** The part of a prompt meant to be cached across calls: the tool schemas and system prompt it starts with. */
export interface StablePrefix {
  hash: string;
  tokens: number;
}

/** The leading tool schemas and system prompt of an outline, or null when it starts with a message. */
export function stablePrefix(outline: readonly OutlineBlock[]): StablePrefix | null {
  let text = "";
  let tokens = 0;
  for (const block of outline) {
    if (block.message !== null && block.component !== "system prompt") break;
    if (block.component !== "tool schemas" && block.component !== "system prompt") break;
    text += `${block.component}\u0000${block.label ?? ""}\u0000${block.text}\u0000`;
    tokens = block.end;
  }
  return tokens > 0 ? { hash: hash64(text), tokens: Math.round(tokens) } : null;
}
