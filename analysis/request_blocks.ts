import { type SplitText, toBlocks } from "../core/blocks.ts";
import { wholeText } from "../formats/blocks.ts";
import { formatOf } from "../formats/mod.ts";
import { isObject } from "../formats/segment.ts";
import type { Analysis } from "./analysis.ts";
import type { TokenCounter } from "./tokenizer.ts";
import { Lru } from "../core/lru.ts";

/** Tokens of blocks already counted, by encoding and hash: a run's history repeats every turn. */
const counted = new Lru<string, number>(200_000);

/**
 * Tokens of the text a block carries: its JSON string values, each counted as attribution
 * counts text (so the text a call's attribution has just counted costs a memo lookup, not a
 * second tokenization of its escaped JSON form). A piece that is not JSON is counted whole.
 */
export function blockTokens(text: string, counter: TokenCounter): number {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return counter.count(text);
  }
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next === "string") total += counter.count(next);
    else if (Array.isArray(next)) { for (const item of next) stack.push(item); }
    else if (next !== null && typeof next === "object") {
      for (const item of Object.values(next)) stack.push(item);
    }
  }
  return total;
}

/**
 * A request's text as content-addressed blocks, split the way its API's format splits it;
 * text that is not a JSON object (or of an API llmprof does not parse) is one block.
 * `body` is the parsed text when the caller has it already.
 */
export function splitRequest(
  api: string,
  text: string,
  options: { counter: TokenCounter; body?: unknown },
): SplitText {
  const format = formatOf(api);
  let body = options.body;
  if (body === undefined && format !== null) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const pieces = format !== null && isObject(body)
    ? format.splitBlocks(text, body)
    : wholeText(text);
  const { counter } = options;
  return toBlocks(pieces, (text, hash) => {
    const key = `${counter.encoding}:${hash}`;
    const known = counted.get(key);
    if (known !== undefined) return known;
    const tokens = blockTokens(text, counter);
    counted.set(key, tokens);
    return tokens;
  });
}

/** What an analysis left as text needs to be split later: its API, text, parsed body and counter. */
interface Held {
  api: string;
  text: string;
  body: unknown;
  counter: TokenCounter;
}

const held = new WeakMap<Analysis, Held>();

/** Keeps what {@linkcode splitForStore} needs for an analysis whose request is still text. */
export function holdForSplit(analysis: Analysis, what: Held): void {
  held.set(analysis, what);
}

/**
 * Turns an analysis's request text into the blocks the store keeps, after its privacy
 * level has had its say: the text as it is now is split (the parsed body is reused when the
 * text was left unchanged). Changes `analysis`.
 */
export function splitForStore(analysis: Analysis): Analysis {
  const what = held.get(analysis);
  held.delete(analysis);
  if (analysis.request === null || what === undefined) return analysis;
  const body = analysis.request === what.text ? what.body : undefined;
  analysis.blocks = splitRequest(what.api, analysis.request, { counter: what.counter, body });
  analysis.request = null;
  return analysis;
}
