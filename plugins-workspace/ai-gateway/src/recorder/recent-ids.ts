/**
 * A bounded set of recently used ids, in two generations: a hit in the older one moves the id
 * to the current one, and when the current one is full the older is dropped. Approximately
 * LRU (an id survives at least `max / 2` newer ids after its last use) with O(1) work and no
 * Map reordering: the writer asks it once for every re-sent message of every exchange.
 */
export class RecentIds {
  readonly #half: number;
  #current = new Set<string>();
  #older = new Set<string>();

  constructor(max: number) {
    this.#half = Math.max(1, Math.floor(max / 2));
  }

  has(id: string): boolean {
    if (this.#current.has(id)) return true;
    if (!this.#older.has(id)) return false;
    this.add(id);
    return true;
  }

  add(id: string): void {
    if (this.#current.size >= this.#half) {
      this.#older = this.#current;
      this.#current = new Set();
    }
    this.#current.add(id);
  }

  delete(id: string): void {
    this.#current.delete(id);
    this.#older.delete(id);
  }
}
