import { countTokens as countO200k } from "gpt-tokenizer/encoding/o200k_base";
import { countTokens as countCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { TextMemo } from "../core/text_memo.ts";

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

/** Runs of this many characters with no break make byte-pair encoding quadratic; they are counted in slices. */
const SLICE = 1000;

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 160 || code === 0x2028 ||
    code === 0x2029 ||
    code === 0xfeff || (code >= 0x2000 && code <= 0x200a) || code === 0x3000 || code === 0x1680 ||
    code === 0x202f ||
    code === 0x205f;
}

/** [start, end) of each run of at least SLICE characters all space or all non-space, in one pass. */
export function longRuns(text: string): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = 0;
  let space = text.length > 0 && isSpace(text.charCodeAt(0));
  for (let i = 1; i <= text.length; i++) {
    const now = i < text.length ? isSpace(text.charCodeAt(i)) : !space;
    if (now !== space) {
      if (i - start >= SLICE) runs.push([start, i]);
      start = i;
      space = now;
    }
  }
  return runs;
}

/**
 * Counts tokens with one encoding, memoising (see {@linkcode TextMemo}) so a conversation's
 * repeated turns are not counted again.
 */
export class TokenCounter {
  readonly encoding: EncodingName;
  readonly #count: (text: string) => number;
  readonly #memo: TextMemo<number>;
  /** Characters actually tokenized (not served from the memo). */
  tokenizedChars = 0;

  /**
   * `memoChars`: most characters of text the memo keeps as keys (default 32 million, 32 to
   * 64 MB); `hashedTexts`: most long texts it also remembers by hash (default 200,000).
   */
  constructor(encoding: EncodingName, options: { memoChars?: number; hashedTexts?: number } = {}) {
    this.encoding = encoding;
    this.#count = encoding === "cl100k_base" ? countCl100k : countO200k;
    this.#memo = new TextMemo({ chars: options.memoChars, hashed: options.hashedTexts });
  }

  /** Tokens in `text`. */
  count(text: string): number {
    return text.length === 0 ? 0 : this.#memo.remember(text, this.#tokenize);
  }

  /** Counts without the memo; an arrow, so the memo is handed one function, not one per call. */
  readonly #tokenize = (text: string): number => {
    this.tokenizedChars += text.length;
    if (text.length < SLICE) return this.#count(text);
    let total = 0;
    let from = 0;
    for (const [start, end] of longRuns(text)) {
      total += this.#count(text.slice(from, start));
      for (let i = start; i < end; i += SLICE) {
        total += this.#count(text.slice(i, Math.min(i + SLICE, end)));
      }
      from = end;
    }
    return total + this.#count(text.slice(from));
  };
}
