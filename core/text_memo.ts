import { hash64 } from "./hash.ts";
import { Lru } from "./lru.ts";

/** Options for a {@linkcode TextMemo}. */
export interface TextMemoOptions {
  /** Most characters of text kept as keys. Default 32 million (32 to 64 MB). */
  chars?: number;
  /** Most long texts also remembered by hash. Default 200,000 (a few dozen bytes each). */
  hashed?: number;
}

/** Texts at least this long are also remembered by hash. */
const HASHED_MIN = 256;

/**
 * Values worked out from texts, remembered so an agent's history, resent every turn, is
 * worked on once: recent texts by the text itself (a lookup costs little more than V8's own
 * string hash), and long texts also by a 64-bit hash and their length. The text keys alone
 * held about 20 agents' histories; with 200 agents at once they were pushed out before an
 * agent's next turn, and each turn was worked out again. Two texts of one length whose
 * hashes agree would share a value; with a 64-bit hash over 200,000 entries that is about
 * one chance in a billion, which llmprof accepts.
 */
export class TextMemo<V> {
  readonly #byText: Lru<string, V>;
  readonly #byHash: Lru<string, V>;

  /** A memo bounded as `options` says. */
  constructor(options: TextMemoOptions = {}) {
    // Weighed by text, not counted by entry: 50,000 tool results of 20 KB would be a gigabyte.
    this.#byText = new Lru(options.chars ?? 32_000_000, { weigh: (_, text) => text.length + 64 });
    this.#byHash = new Lru(options.hashed ?? 200_000);
  }

  /** The value remembered for `text`, or `compute(text)`, remembered from now on. */
  remember(text: string, compute: (text: string) => V): V {
    const known = this.#byText.get(text);
    if (known !== undefined) return known;
    const key = text.length >= HASHED_MIN ? hash64(text) + text.length.toString(36) : null;
    const hashed = key === null ? undefined : this.#byHash.get(key);
    const value = hashed ?? compute(text);
    this.#byText.set(text, value);
    if (key !== null && hashed === undefined) this.#byHash.set(key, value);
    return value;
  }
}
