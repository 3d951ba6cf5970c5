/**
 * The exchanges waiting in memory for the writer, oldest first, with their body bytes summed
 * and, per record, how many times a batch holding it was lost.
 */
import { recordBytes, type ExchangeRecord } from '../exchange-record.js';

/** A record whose batch was lost this many times (writer crash or error, or alone too big for a full disk) is dropped. */
export const MAX_DELIVERY_FAILURES = 3;

export class ExchangeQueue {
  #items: ExchangeRecord[] = [];
  #bytes = 0;
  readonly #deliveryFailures = new WeakMap<ExchangeRecord, number>();

  get length(): number {
    return this.#items.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  pushBack(record: ExchangeRecord): void {
    this.#items.push(record);
    this.#bytes += recordBytes(record);
  }

  pushFront(records: ExchangeRecord[]): void {
    this.#items.unshift(...records);
    for (const r of records) this.#bytes += recordBytes(r);
  }

  /**
   * Up to `count` records from the front, and no more body bytes than `maxBytes` unless the
   * first record alone holds more (it is taken on its own).
   */
  take(count: number, maxBytes = Infinity): ExchangeRecord[] {
    let n = 0;
    let bytes = 0;
    while (n < count && n < this.#items.length) {
      const size = recordBytes(this.#items[n]!);
      if (n > 0 && bytes + size > maxBytes) break;
      bytes += size;
      n++;
    }
    const records = this.#items.splice(0, n);
    this.#bytes -= bytes;
    return records;
  }

  /** Everything, emptying the queue. */
  takeAll(): ExchangeRecord[] {
    const records = this.#items;
    this.#items = [];
    this.#bytes = 0;
    return records;
  }

  /** The oldest records beyond the limits, removed. */
  overflow(maxExchanges: number, maxBytes: number): ExchangeRecord[] {
    const removed: ExchangeRecord[] = [];
    while (this.#items.length > maxExchanges || this.#bytes > maxBytes) removed.push(...this.take(1));
    return removed;
  }

  /** Count one lost delivery of `record`; true once it has failed too often to retry. */
  deliveryFailed(record: ExchangeRecord): boolean {
    const failures = (this.#deliveryFailures.get(record) ?? 0) + 1;
    this.#deliveryFailures.set(record, failures);
    return failures >= MAX_DELIVERY_FAILURES;
  }
}
