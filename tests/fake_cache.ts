/**
 * The fake upstream's prompt cache, so tests see cache reads and writes the way providers
 * report them. The prompt is laid out as the providers do (tools, system, then messages),
 * a block per tool, system block and message part, each about four bytes a token.
 * Anthropic reads the longest cached prefix up to the last `cache_control` breakpoint and
 * writes up to it; OpenAI caches every prefix of 1,024 or more tokens, in steps of 128.
 */
import { hash64 } from "../core/hash.ts";

type Json = Record<string, unknown>;

/** What the cache did for one request, in tokens. */
export interface CacheUse {
  read: number;
  write: number;
}

interface Block {
  text: string;
  breakpoint: boolean;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A block's content with its cache marker left out, so a moved marker changes nothing. */
function block(value: unknown): Block {
  if (!isObject(value)) return { text: JSON.stringify(value), breakpoint: false };
  const { cache_control, ...rest } = value;
  return { text: JSON.stringify(rest), breakpoint: cache_control !== undefined };
}

function parts(content: unknown): unknown[] {
  return typeof content === "string"
    ? [{ type: "text", text: content }]
    : Array.isArray(content)
    ? content
    : [];
}

function layout(path: string, request: Json): Block[] {
  const tools = Array.isArray(request.tools) ? request.tools : [];
  if (path.endsWith("/v1/messages")) {
    return [
      ...tools.map(block),
      ...parts(request.system).map(block),
      ...(Array.isArray(request.messages) ? request.messages : []).flatMap((m) =>
        isObject(m) ? parts(m.content).map((p) => block({ role: m.role, ...(p as Json) })) : []
      ),
    ];
  }
  const items = Array.isArray(request.messages)
    ? request.messages
    : Array.isArray(request.input)
    ? request.input
    : [{ role: "user", content: request.input }];
  return [
    ...tools.map(block),
    ...(typeof request.instructions === "string" ? [block(request.instructions)] : []),
    ...items.map(block),
  ];
}

const STEP = 128;
const MIN = 1_024;

/** A provider-like prompt cache; one per fake upstream. */
export class FakePromptCache {
  readonly #prefixes = new Set<string>();

  /** What the cache reads and writes for a request, and remembers it. */
  use(path: string, request: Json): CacheUse {
    const blocks = layout(path, request);
    const ends: number[] = [];
    const hashes: string[] = [];
    let tokens = 0;
    let hash = path.endsWith("/v1/messages") ? "anthropic" : "openai";
    for (const b of blocks) {
      tokens += Math.ceil(b.text.length / 4);
      hash = hash64(`${hash}\u0000${b.text}`);
      ends.push(tokens);
      hashes.push(hash);
    }
    if (path.endsWith("/v1/messages")) {
      const last = blocks.findLastIndex((b) => b.breakpoint);
      if (last < 0) return { read: 0, write: 0 };
      let read = 0;
      for (let i = last; i >= 0; i--) {
        if (this.#prefixes.has(hashes[i])) {
          read = ends[i];
          break;
        }
      }
      blocks.forEach((b, i) => b.breakpoint && this.#prefixes.add(hashes[i]));
      return { read, write: Math.max(0, ends[last] - read) };
    }
    let read = 0;
    for (let i = blocks.length - 1; i >= 0; i--) {
      if (this.#prefixes.has(hashes[i])) {
        read = Math.floor(ends[i] / STEP) * STEP;
        break;
      }
    }
    hashes.forEach((h, i) => ends[i] >= MIN && this.#prefixes.add(h));
    return { read: read >= MIN ? read : 0, write: 0 };
  }
}
