import { hash64 } from "../core/hash.ts";
import { Lru } from "../core/lru.ts";
import { isObject, str } from "../formats/segment.ts";

/** What chaining needs from one request: its context and a hash per message prefix. */
export interface ChainKeys {
  /** prefixes[k] is the hash of the context and the first k+1 messages; the last is the call's own. */
  prefixes: string[];
  /**
   * The same with a loose context: the system prompt with every word that holds a digit
   * (dates, times, ids) masked, and the tools as a set of names. A turn whose context
   * changed only so still finds its run, and its cache break can be diagnosed.
   */
  loose: string[];
}

type Json = Record<string, unknown>;

/** Keys that change between turns without changing what a message says. */
const VOLATILE = new Set([
  "cache_control",
  "citations",
  "id",
  "status",
  "signature",
  "annotations",
  "logprobs",
]);

/** JSON with sorted keys and volatile keys dropped, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) =>
      !VOLATILE.has(k) && value[k] !== undefined && value[k] !== null
    ).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  if (typeof value === "string" && value.length > 4096) {
    return JSON.stringify(`${value.length}:${hash64(value)}`);
  }
  return JSON.stringify(value) ?? "null";
}

/** A message's content as canonical blocks: a string and a single text block read alike; thinking is left out. */
function blocks(content: unknown): unknown[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) return [];
  return content
    .map((b) => (typeof b === "string" ? { type: "text", text: b } : b))
    .filter((b) =>
      isObject(b) && !["thinking", "redacted_thinking", "reasoning"].includes(str(b.type))
    )
    .map((b) => {
      const block = b as Json;
      const type = str(block.type);
      // Input and output text parts of the Responses API, and text parts of chat, all read as text.
      if (type === "input_text" || type === "output_text") {
        return { type: "text", text: block.text };
      }
      if (type === "tool_result" || type === "function_call_output") {
        return { ...block, content: blocks(block.content ?? block.output) };
      }
      return block;
    });
}

/** A chat or Anthropic message in canonical form. */
function canonicalMessage(message: Json): string {
  const calls = Array.isArray(message.tool_calls)
    ? message.tool_calls.map((c) => isObject(c) ? { id: c.id, fn: c.function ?? c.custom } : c)
    : undefined;
  return canonicalJson({
    role: message.role,
    name: message.name,
    tool_call_id: message.tool_call_id,
    blocks: blocks(message.content),
    tool_calls: calls && calls.length > 0 ? calls : undefined,
  });
}

/** A Responses input item in canonical form (messages read like chat messages). */
function canonicalItem(item: Json): string {
  if (item.role !== undefined && (item.type === undefined || item.type === "message")) {
    return canonicalMessage(item);
  }
  if (item.type === "reasoning") return "";
  return canonicalJson(item);
}

/** Canonical hashes of messages seen before, by their raw JSON: an agent resends every earlier message each turn. */
const itemHashes = new Lru<string, string>(32_000_000, { weigh: (_, raw) => raw.length + 64 });

function itemHash(item: Json, canonical: (item: Json) => string): string {
  const raw = JSON.stringify(item);
  let hash = itemHashes.get(raw);
  if (hash === undefined) {
    hash = hash64(canonical(item));
    itemHashes.set(raw, hash);
  }
  return hash;
}

/** The hash of a call's context (API, system prompt, tools), memoised by its raw JSON like messages. */
function contextHash(api: string, raw: Json, shape: (raw: Json) => unknown): string {
  const key = `${api}\u0000${JSON.stringify(raw)}`;
  let hash = itemHashes.get(key);
  if (hash === undefined) {
    hash = hash64(`${api}\u0000${canonicalJson(shape(raw))}`);
    itemHashes.set(key, hash);
  }
  return hash;
}

/** The seed of a call's loose hashes, memoised by its system prompt and tool names like messages. */
function looseHash(api: string, system: string, tools: string[]): string {
  const key = `${api}\u0000loose\u0000${system}\u0000${tools.join("\u0000")}`;
  let hash = itemHashes.get(key);
  if (hash === undefined) {
    hash = hash64(`${api}\u0000loose\u0000${maskVolatile(system)}\u0000${tools.join("\u0000")}`);
    itemHashes.set(key, hash);
  }
  return hash;
}

/** A system prompt with words that hold digits masked: what stays the same when a timestamp changes. */
export function maskVolatile(text: string): string {
  // Matches start only where a word starts: without the lookbehind the engine retried from
  // every character of a word with no digit, quadratic in its length (50,000 characters
  // without a space, say base64 in a system prompt, took 1.3 s of every call's analysis).
  return text.replace(/(?<!\S)\S*\d\S*/g, "#");
}

function toolNames(tools: unknown): string[] {
  return (Array.isArray(tools) ? tools : []).filter(isObject).map((t) =>
    str(t.name) || str(isObject(t.function) ? t.function.name : undefined) || str(t.type)
  ).sort();
}

function textOf(value: unknown): string {
  return blocks(value).map((b) => isObject(b) ? str(b.text) : "").join("\n");
}

function chained(context: string, items: readonly string[]): string[] {
  const prefixes: string[] = [];
  let previous = context;
  for (const item of items) {
    previous = hash64(`${previous}\u0000${item}`);
    prefixes.push(previous);
  }
  return prefixes;
}

/** Leading system and developer messages: the chat API's context. */
function leadingSystem(items: readonly unknown[]): number {
  let n = 0;
  while (
    n < items.length && isObject(items[n]) &&
    ["system", "developer"].includes(str((items[n] as Json).role))
  ) n++;
  return n;
}

/**
 * The prefix hashes of a request's conversation. The context (API, system prompt and
 * tools in the provider's own format) seeds the first hash, so two calls chain only when
 * they share it; the loose hashes relax that (see {@linkcode ChainKeys}).
 */
export function chainKeys(api: string, body: unknown): ChainKeys {
  if (!isObject(body)) return { prefixes: [], loose: [] };
  let context: string;
  let items: string[];
  let system: string;
  let skip = 0;
  if (api === "messages") {
    context = contextHash(
      api,
      { system: body.system, tools: body.tools },
      (c) => ({ system: blocks(c.system), tools: c.tools }),
    );
    items = (Array.isArray(body.messages) ? body.messages : []).filter(isObject).map((m) =>
      itemHash(m, canonicalMessage)
    );
    system = textOf(body.system);
  } else if (api === "responses") {
    context = contextHash(api, { instructions: body.instructions, tools: body.tools }, (c) => c);
    const input = typeof body.input === "string"
      ? [{ role: "user", content: body.input }]
      : body.input;
    items = (Array.isArray(input) ? input : []).filter(isObject).filter((i) =>
      i.type !== "reasoning"
    )
      .map((i) => itemHash(i, canonicalItem));
    system = str(body.instructions);
  } else {
    context = contextHash(api, { tools: body.tools ?? body.functions }, (c) => c);
    const messages = (Array.isArray(body.messages) ? body.messages : []).filter(isObject);
    items = messages.map((m) => itemHash(m, canonicalMessage));
    skip = leadingSystem(messages);
    system = messages.slice(0, skip).map((m) => textOf(m.content)).join("\n");
  }
  const loose = looseHash(api, system, toolNames(body.tools ?? body.functions));
  return { prefixes: chained(context, items), loose: chained(loose, items.slice(skip)) };
}
