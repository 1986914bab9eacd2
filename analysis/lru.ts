/**
 * A bounded cache that keeps recently used entries: two generations, where a hit in the
 * old one is promoted and a full young one retires the old. Lookups cost one or two Map
 * reads, with none of the delete-and-reinsert churn of a strict LRU.
 */
export class Lru<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  readonly #generation: number;

  /** Keeps at least `max / 2` and at most `max` entries. */
  constructor(max: number) {
    this.#generation = Math.max(1, Math.floor(max / 2));
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
    if (this.#young.size >= this.#generation) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }

  /** Entries kept. */
  get size(): number {
    return this.#young.size + this.#old.size;
  }
}
