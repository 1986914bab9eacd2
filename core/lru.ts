/**
 * A bounded cache that keeps recently used entries: two generations, where a hit in the
 * old one is promoted and a full young one retires the old. Lookups cost one or two Map
 * reads, with none of the delete-and-reinsert churn of a strict LRU.
 */
export class Lru<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  #youngWeight = 0;
  readonly #generation: number;
  readonly #weigh: (value: V, key: K) => number;

  /**
   * Keeps at least `max / 2` and at most `max` entries, or, with `weigh`, entries of that
   * total weight (e.g. the characters of their keys and values).
   */
  constructor(max: number, options: { weigh?: (value: V, key: K) => number } = {}) {
    this.#generation = Math.max(1, Math.floor(max / 2));
    this.#weigh = options.weigh ?? (() => 1);
  }

  /** The value for `key`, if it is still kept. */
  get(key: K): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  /** Stores a value, retiring the oldest generation when the young one is full. */
  set(key: K, value: V): void {
    const weight = this.#weigh(value, key);
    const replaced = this.#young.get(key);
    if (replaced !== undefined) this.#youngWeight -= this.#weigh(replaced, key);
    if (this.#young.size > 0 && this.#youngWeight + weight > this.#generation) {
      this.#old = this.#young;
      this.#young = new Map();
      this.#youngWeight = 0;
    }
    this.#young.set(key, value);
    this.#youngWeight += weight;
  }

  /** Drops every entry. */
  clear(): void {
    this.#young = new Map();
    this.#old = new Map();
    this.#youngWeight = 0;
  }

  /** Entries kept. */
  get size(): number {
    return this.#young.size + this.#old.size;
  }
}
