import type { LayoutSegment } from "./attribute.ts";
import { hash64 } from "../core/hash.ts";
import { type ComponentName, COMPONENTS } from "../core/record.ts";

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
  /** What the text weighs in memory, when it is held as bytes (see {@linkcode unpackOutline}). */
  size?: number;
}

/**
 * An outline as it crosses from an analysis worker to the main thread, in columns: its texts
 * back to back in one UTF-8 buffer and its numbers in typed arrays, all transferred rather
 * than cloned (cloning an object per block costs more than the texts). The main thread reads
 * a text only when a turn's cache broke.
 */
export interface PackedOutline {
  /** Each block's component, as its index in {@linkcode COMPONENTS}. */
  components: Uint8Array<ArrayBuffer>;
  labels: Array<string | null>;
  /** Each block's message index, -1 for none. */
  messages: Int32Array<ArrayBuffer>;
  ends: Float64Array<ArrayBuffer>;
  /** Where each block's text ends in `text`; it starts where the one before ended. */
  bounds: Uint32Array<ArrayBuffer>;
  text: Uint8Array<ArrayBuffer>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An outline packed for the hand-over to another thread. */
export function packOutline(outline: readonly OutlineBlock[]): PackedOutline {
  const n = outline.length;
  const packed = {
    components: new Uint8Array(n),
    labels: new Array<string | null>(n),
    messages: new Int32Array(n),
    ends: new Float64Array(n),
    bounds: new Uint32Array(n),
  };
  let chars = 0;
  for (const block of outline) chars += block.text.length;
  const buffer = new Uint8Array(chars * 3);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const block = outline[i];
    packed.components[i] = COMPONENTS.indexOf(block.component);
    packed.labels[i] = block.label;
    packed.messages[i] = block.message ?? -1;
    packed.ends[i] = block.end;
    at += encoder.encodeInto(block.text, buffer.subarray(at)).written;
    packed.bounds[i] = at;
  }
  return { ...packed, text: buffer.slice(0, at) };
}

/** The buffers of a packed outline, to transfer with it. */
export function packedBuffers(packed: PackedOutline): ArrayBuffer[] {
  return [packed.components, packed.messages, packed.ends, packed.bounds, packed.text].map((a) =>
    a.buffer
  );
}

/** One block of a packed outline; its text is decoded when first read. */
class PackedBlock implements OutlineBlock {
  readonly component: ComponentName;
  readonly label: string | null;
  readonly message: number | null;
  readonly end: number;
  readonly size: number;
  readonly #bytes: Uint8Array;
  #text: string | undefined;

  constructor(packed: PackedOutline, i: number) {
    this.component = COMPONENTS[packed.components[i]];
    this.label = packed.labels[i];
    this.message = packed.messages[i] < 0 ? null : packed.messages[i];
    this.end = packed.ends[i];
    const from = i === 0 ? 0 : packed.bounds[i - 1];
    this.#bytes = packed.text.subarray(from, packed.bounds[i]);
    this.size = this.#bytes.byteLength;
  }

  get text(): string {
    return this.#text ??= decoder.decode(this.#bytes);
  }
}

/** The outline a packed one stands for. */
export function unpackOutline(packed: PackedOutline): OutlineBlock[] {
  return Array.from(packed.components, (_, i) => new PackedBlock(packed, i));
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
