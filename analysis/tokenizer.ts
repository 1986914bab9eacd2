import { countTokens as countO200k } from "gpt-tokenizer/encoding/o200k_base";
import { countTokens as countCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { Lru } from "./lru.ts";

/** The tiktoken encodings llmprof counts with. */
export type EncodingName = "o200k_base" | "cl100k_base";

/** Which encoding a model uses, and whether its counts reproduce the provider's. */
export interface EncodingChoice {
  encoding: EncodingName;
  exact: boolean;
}

const CL100K = /^(gpt-4(?!o|\.)|gpt-3\.5|text-embedding-(ada|3))/;
const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt-4o|codex|gpt-oss)/;

/** The encoding for a model: OpenAI models are exact, everything else is o200k, approximate. */
export function encodingForModel(model: string | null, provider: string): EncodingChoice {
  const name = (model ?? "").toLowerCase().replace(/^openai\//, "");
  if (provider !== "anthropic") {
    if (CL100K.test(name)) return { encoding: "cl100k_base", exact: true };
    if (O200K.test(name)) return { encoding: "o200k_base", exact: true };
  }
  return { encoding: "o200k_base", exact: false };
}

/** Runs longer than this with no break make byte-pair encoding quadratic; they are counted in slices. */
const LONG_RUN = /\S{1000,}|\s{1000,}/g;
const SLICE = 1000;

/**
 * Counts tokens with one encoding, memoising per text block (bounded LRU) so a
 * conversation's repeated turns are not counted again.
 */
export class TokenCounter {
  readonly encoding: EncodingName;
  readonly #count: (text: string) => number;
  readonly #memo: Lru<string, number>;
  /** Characters actually tokenized (not served from the memo). */
  tokenizedChars = 0;

  constructor(encoding: EncodingName, options: { memoEntries?: number } = {}) {
    this.encoding = encoding;
    this.#count = encoding === "cl100k_base" ? countCl100k : countO200k;
    this.#memo = new Lru(options.memoEntries ?? 50_000);
  }

  /** Tokens in `text`. */
  count(text: string): number {
    if (text.length === 0) return 0;
    const known = this.#memo.get(text);
    if (known !== undefined) return known;
    const tokens = this.#raw(text);
    this.#memo.set(text, tokens);
    return tokens;
  }

  #raw(text: string): number {
    this.tokenizedChars += text.length;
    if (text.length < SLICE) return this.#count(text);
    let total = 0;
    let from = 0;
    for (const run of text.matchAll(LONG_RUN)) {
      total += this.#count(text.slice(from, run.index));
      for (let i = run.index; i < run.index + run[0].length; i += SLICE) {
        total += this.#count(text.slice(i, Math.min(i + SLICE, run.index + run[0].length)));
      }
      from = run.index + run[0].length;
    }
    return total + this.#count(text.slice(from));
  }
}
