import { hash64 } from "../core/hash.ts";
import { TextMemo } from "../core/text_memo.ts";
import { canonicalJson } from "../formats/canonical.ts";
import { formatOf, type Json } from "../formats/mod.ts";
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

/** Canonical hashes of messages seen before, by their raw JSON: an agent resends every earlier message each turn. */
const itemHashes = new TextMemo<string>();

function itemHash(item: Json, canonical: (item: Json) => string): string {
  return itemHashes.remember(JSON.stringify(item), () => hash64(canonical(item)));
}

/** The hash of a call's context (API, system prompt, tools), memoised by its raw JSON like messages. */
function contextHash(api: string, raw: Json, shape: (raw: Json) => unknown): string {
  return itemHashes.remember(
    `${api}\u0000${JSON.stringify(raw)}`,
    () => hash64(`${api}\u0000${canonicalJson(shape(raw))}`),
  );
}

/** The seed of a call's loose hashes, memoised by its system prompt and tool names like messages. */
function looseHash(api: string, system: string, tools: string[]): string {
  return itemHashes.remember(
    `${api}\u0000loose\u0000${system}\u0000${tools.join("\u0000")}`,
    () => hash64(`${api}\u0000loose\u0000${maskVolatile(system)}\u0000${tools.join("\u0000")}`),
  );
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

function chained(context: string, items: readonly string[]): string[] {
  const prefixes: string[] = [];
  let previous = context;
  for (const item of items) {
    previous = hash64(`${previous}\u0000${item}`);
    prefixes.push(previous);
  }
  return prefixes;
}

/**
 * The prefix hashes of a request's conversation. The context (API, system prompt and
 * tools in the provider's own format) seeds the first hash, so two calls chain only when
 * they share it; the loose hashes relax that (see {@linkcode ChainKeys}).
 */
export function chainKeys(api: string, body: unknown): ChainKeys {
  const format = formatOf(api);
  if (format === null || !isObject(body)) return { prefixes: [], loose: [] };
  const parts = format.chainParts(body);
  const context = contextHash(api, parts.context, parts.contextShape);
  const items = parts.items.map((item) => itemHash(item, parts.canonicalItem));
  const loose = looseHash(api, parts.system, toolNames(parts.tools));
  return { prefixes: chained(context, items), loose: chained(loose, items.slice(parts.skip)) };
}
