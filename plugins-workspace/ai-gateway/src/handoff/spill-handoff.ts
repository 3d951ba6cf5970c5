/**
 * Where the handoff meets the spill journal: which exchanges go to disk instead of memory,
 * reading them back as the writer catches up, and keeping what is unwritten at stop. Without
 * a journal (none configured, or it could not be opened) everything stays in memory.
 */
import { errorMessage, type Logger } from '@hypaware/core';
import type { ExchangeRecord } from '../exchange-record.js';
import type { ExchangeQueue } from './exchange-queue.js';
import { SpillJournal } from './spill-journal.js';

/** Read back from the journal at most this much at once. */
const REFILL_MAX_BYTES = 16 * 1024 * 1024;
/** When the journal's records are not on disk yet, look again after this long. */
const REFILL_RETRY_MS = 20;

export interface SpillHandoffOptions {
  /** the journal's folder and byte bound; none: memory only */
  journal: { dir: string; maxBytes: number } | undefined;
  log: Logger;
  /** secret header names of the moment (headers are reduced before they are written) */
  secrets(): ReadonlySet<string>;
  /** new exchanges go to disk once the memory queue holds this many, or this many bytes */
  afterExchanges: number;
  afterBytes: number;
  /** read back once fewer than this many wait in memory, this many at most */
  readBack: number;
  /** an append failed (e.g. disk full): the records are back in the caller's hands */
  onAppendFailed(records: ExchangeRecord[]): void;
}

export class SpillHandoff {
  readonly #options: SpillHandoffOptions;
  readonly #journal: SpillJournal | undefined;
  #refilling = false;

  constructor(options: SpillHandoffOptions) {
    this.#options = options;
    this.#journal = this.#open();
  }

  #open(): SpillJournal | undefined {
    const { journal, log } = this.#options;
    // with max_bytes 0 nothing new is spilled, but files an earlier run left are still written
    if (!journal) return undefined;
    try {
      return new SpillJournal({
        dir: journal.dir,
        maxBytes: journal.maxBytes,
        log,
        secrets: this.#options.secrets,
        onAppendFailed: (records) => this.#options.onAppendFailed(records),
      });
    } catch (err) {
      log.warn('aigw.spill_unavailable', {
        dir: journal.dir,
        error: errorMessage(err),
        message: 'exchanges the writer has not taken yet wait in memory only',
      });
      return undefined;
    }
  }

  /** Records wait in the journal (new ones queue behind them). */
  get active(): boolean {
    return this.#journal?.active ?? false;
  }

  /** A read-back is under way. */
  get refilling(): boolean {
    return this.#refilling;
  }

  /** exchanges spilled in this run */
  get appended(): number {
    return this.#journal?.appended ?? 0;
  }

  /** bytes of spilled exchanges still waiting */
  get backlogBytes(): number {
    return this.#journal?.backlogBytes ?? 0;
  }

  /** Behind records already on disk, or past the memory share: to disk. False: keep it in memory. */
  offer(record: ExchangeRecord, queue: ExchangeQueue): boolean {
    const journal = this.#journal;
    if (!journal) return false;
    const spill =
      journal.active || queue.length >= this.#options.afterExchanges || queue.bytes >= this.#options.afterBytes;
    return spill && journal.append(record);
  }

  /** Keep `readBack` records in memory while the journal holds more; `onRead` gets each read. */
  refill(queue: ExchangeQueue, onRead: (records: ExchangeRecord[]) => void, retry: () => void): void {
    const journal = this.#journal;
    if (!journal || this.#refilling || !journal.active || queue.length >= this.#options.readBack) return;
    this.#refilling = true;
    journal.readNext(this.#options.readBack, REFILL_MAX_BYTES).then(
      (records) => {
        this.#refilling = false;
        if (records.length > 0) onRead(records);
        else if (journal.active) setTimeout(retry, REFILL_RETRY_MS).unref();
      },
      (err) => {
        this.#refilling = false;
        this.#options.log.error('aigw.spill_read_failed', { error: errorMessage(err) });
      },
    );
  }

  /** The record was written or given up: its journal file may go once all of its records are. */
  settle(record: ExchangeRecord): void {
    this.#journal?.settle(record);
  }

  /**
   * At stop: what is still unwritten goes to the front of the journal (written at the next
   * start); records read from the journal are still in their files. Without a journal, or
   * when it fails, they are given to `drop`.
   */
  async keepAtStop(
    left: ExchangeRecord[],
    reason: string,
    drop: (record: ExchangeRecord, reason: string) => void,
  ): Promise<void> {
    const journal = this.#journal;
    if (!journal) {
      for (const record of left) drop(record, reason);
      return;
    }
    const fromMemory = left.filter((r) => !journal.holds(r));
    let kept = 0;
    try {
      kept = await journal.appendFront(fromMemory);
    } catch (err) {
      this.#options.log.error('aigw.spill_append_failed', { exchanges: fromMemory.length, error: errorMessage(err) });
    }
    for (const record of fromMemory.slice(kept)) drop(record, reason);
    await journal.close();
    const waiting = left.length - fromMemory.length + kept;
    if (waiting > 0 || journal.diskBytes > 0) {
      this.#options.log.info('aigw.spill_kept', {
        exchanges_from_memory: kept,
        spill_bytes: journal.diskBytes,
        reason,
        message: 'written at the next start',
      });
    }
  }
}
