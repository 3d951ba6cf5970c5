/** A weight budget: entries are evicted, least recent first, while the total is above `max` (the newest stays). */
export interface LruWeight<V> {
  max: number;
  of(value: V): number;
  /** a value heavier than this is not kept: `set` forgets the key instead (default: `max`) */
  maxEach?: number;
}

/**
 * A Map of at most `max` entries that evicts the least recently used one (a hit counts as a
 * use); with `weight`, also while the entries' total weight is above its `max`.
 */
export class LruCache<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  readonly #weight: LruWeight<V> | undefined;
  readonly #weights = new Map<K, number>();
  #total = 0;

  constructor(max: number, weight?: LruWeight<V>) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError(`LruCache: max must be a positive integer, got ${max}`);
    this.#max = max;
    this.#weight = weight;
  }

  /** The value, which becomes the most recent entry. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** Set (or refresh) an entry: it becomes the most recent; the least recent goes past `max`. */
  set(key: K, value: V): void {
    this.delete(key);
    if (this.#weight) {
      const w = this.#weight.of(value);
      if (w > (this.#weight.maxEach ?? this.#weight.max)) return;
      this.#weights.set(key, w);
      this.#total += w;
    }
    this.#map.set(key, value);
    while (
      this.#map.size > 1 &&
      (this.#map.size > this.#max || (this.#weight !== undefined && this.#total > this.#weight.max))
    )
      this.delete(this.#map.keys().next().value as K);
  }

  delete(key: K): void {
    this.#map.delete(key);
    const w = this.#weights.get(key);
    if (w !== undefined) {
      this.#weights.delete(key);
      this.#total -= w;
    }
  }

  clear(): void {
    this.#map.clear();
    this.#weights.clear();
    this.#total = 0;
  }

  /** The entries' total weight (0 without a weight budget). */
  get weight(): number {
    return this.#total;
  }

  get size(): number {
    return this.#map.size;
  }
}
