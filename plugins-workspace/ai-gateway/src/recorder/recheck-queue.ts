/**
 * Re-projections a projector asked for (`recheck_after_ms`), held in memory under a count
 * bound (items are small: ids, not bodies). At shutdown the pending ones run at once (one
 * last chance for native ids).
 */
export interface RecheckLimits {
  maxItems: number;
  maxDelayMs: number;
  /**
   * While this says true (the writer is busy with fresh exchanges), a due re-check waits
   * `deferMs` more, up to `maxDeferMs` past its time: re-checks are extra work and must not
   * slow down capture under load, nor wait forever under steady traffic.
   */
  deferWhile?: () => boolean;
  deferMs?: number;
  maxDeferMs?: number;
}

interface Pending<T> {
  item: T;
  timer: NodeJS.Timeout;
}

export class RecheckQueue<T> {
  readonly #run: (item: T) => Promise<void>;
  readonly #limits: RecheckLimits;
  readonly #pending = new Map<string, Pending<T>>();
  /** due items taken off `#pending` whose run has not finished */
  #active = 0;
  /** due items run one at a time: a burst of due re-checks must not hold many bodies at once */
  #running: Promise<void> = Promise.resolve();

  constructor(run: (item: T) => Promise<void>, limits: RecheckLimits) {
    this.#run = run;
    this.#limits = limits;
  }

  /** items waiting for their time, plus due ones still running */
  get size(): number {
    return this.#pending.size + this.#active;
  }

  /** Schedule `item` under `key` (a newer schedule replaces an older one); false when full. */
  schedule(key: string, item: T, delayMs: number): boolean {
    this.#remove(key);
    if (this.#pending.size >= this.#limits.maxItems) return false;
    const delay = Math.min(Math.max(0, Number.isFinite(delayMs) ? delayMs : 0), this.#limits.maxDelayMs);
    this.#arm(key, item, delay, Date.now() + delay);
    return true;
  }

  #arm(key: string, item: T, delay: number, dueAt: number): void {
    const timer = setTimeout(() => {
      if (this.#limits.deferWhile?.() && Date.now() - dueAt < (this.#limits.maxDeferMs ?? 30_000)) {
        this.#arm(key, item, this.#limits.deferMs ?? 250, dueAt);
        return;
      }
      this.#remove(key);
      this.#active++;
      this.#running = this.#running
        .then(() => this.#run(item))
        .catch(() => undefined)
        .then(() => {
          this.#active--;
        });
    }, delay);
    timer.unref();
    this.#pending.set(key, { item, timer });
  }

  /** Run every pending item now, in schedule order. */
  async flush(): Promise<void> {
    const items = [...this.#pending.keys()].map((key) => {
      const { item } = this.#pending.get(key)!;
      this.#remove(key);
      return item;
    });
    await this.#running;
    for (const item of items) await this.#run(item);
  }

  #remove(key: string): void {
    const entry = this.#pending.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#pending.delete(key);
  }
}
