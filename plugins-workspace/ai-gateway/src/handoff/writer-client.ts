/**
 * The proxy's side of the writer thread: queues finished exchanges and sends them in batches
 * (every 25 ms or once 64 exchanges wait, one batch in flight; a batch takes what waits, up to
 * 256 exchanges or 32 MiB of bodies, so a writer that is behind commits fewer, larger
 * transactions). The parts, each in its own module:
 * - writer-thread.ts: start, restart after a crash, shutdown handshake;
 * - exchange-queue.ts: the memory queue, bounded by dropping the oldest;
 * - spill-handoff.ts: past its memory share the backlog waits in the spill journal on disk and
 *   is read back in order; at stop what is unwritten goes there too;
 * - write-backoff.ts: retry pacing and the failure state while the database refuses writes;
 * - load-gate.ts: while the proxy is busy on a saturated machine, the writer waits.
 * After `parkAfterMs` with nothing to write, the writer thread is parked (ended: a background
 * daemon between bursts holds no writer heap or database cache) and started again by the next
 * exchange. Proxying never waits on any of this.
 */
import { errorMessage, type Logger, type Meter } from '@hypaware/core';
import { DEFAULT_WRITER_PARK_AFTER_MS } from '../config.js';
import type { ExchangeRecord } from '../exchange-record.js';
import type { ModelPair } from '../history/model-prices-table.js';
import { reportExchange, reportWriteFailure } from '../exchange-report.js';
import type { BatchOutcome, WriterSettings } from '../recorder/exchange-writer.js';
import { secretHeaderNames } from '../recorder/header-redaction.js';
import { releaseBodies } from '../shared-slab.js';
import { ExchangeQueue } from './exchange-queue.js';
import type { LoadGate } from './load-gate.js';
import { SpillHandoff } from './spill-handoff.js';
import { WriteBackoff, type WriteFailure } from './write-backoff.js';
import { WRITER_ERROR, type WriterWorkerData } from './writer-protocol.js';
import { WriterThread } from './writer-thread.js';

export type { WriteFailure } from './write-backoff.js';

export interface WriterClientOptions {
  workerData: WriterWorkerData;
  log: Logger;
  meter: Meter;
  batchIntervalMs?: number;
  /** this many exchanges waiting are sent at once (not after `batchIntervalMs`); with more the writer is behind */
  batchSendAtExchanges?: number;
  /** a batch (one transaction) holds at most this many exchanges ... */
  batchMaxExchanges?: number;
  /** ... and this many body bytes (a single larger exchange goes alone) */
  batchMaxBytes?: number;
  /** in memory, beyond these the oldest exchange is dropped (the spill journal is full or failing) */
  maxQueuedExchanges?: number;
  maxQueuedBytes?: number;
  /** the spill journal: where exchanges wait once the memory queue holds `spillAfter*`; none: memory only */
  spill?: { dir: string; maxBytes: number };
  spillAfterExchanges?: number;
  spillAfterBytes?: number;
  /** when the writer yields to traffic; none: it never waits */
  gate?: LoadGate;
  /** idle this long (nothing queued or in flight), the writer thread is parked; 0: never */
  parkAfterMs?: number;
  /** the writer thread was parked (the daemon is idle) */
  onParked?(): void;
  /** a batch wrote usage rows of these provider/model pairs */
  onModelsWritten?(models: ModelPair[]): void;
  /** create the tables the writer needs (the writer reported them missing); must not throw */
  ensureTables?(): void;
  /** called when writes start or stop failing */
  onFailingChange?(failing: WriteFailure | undefined): void;
}

/** The most exchanges one batch (one transaction of the writer) holds: a writer that is behind sends this many. */
export const BATCH_MAX_EXCHANGES = 256;

type Defaults =
  | 'batchIntervalMs'
  | 'batchSendAtExchanges'
  | 'batchMaxExchanges'
  | 'batchMaxBytes'
  | 'maxQueuedExchanges'
  | 'maxQueuedBytes'
  | 'spillAfterExchanges'
  | 'spillAfterBytes'
  | 'parkAfterMs';

export interface WriterStatus {
  /** the writer takes batches (a parked writer counts: the next exchange starts it) */
  ready: boolean;
  /** the thread is parked while idle */
  parked: boolean;
  /** times it was parked in this run */
  parks: number;
  queued: number;
  in_flight: number;
  written: number;
  dropped: number;
  /** exchanges that went to the spill journal in this run, and the bytes of them still waiting there */
  spilled: number;
  spill_backlog_bytes: number;
  /** how long in all the writer waited for the proxy's load to ease, ms */
  held_ms: number;
  projectors: string[];
}

export class WriterClient {
  readonly #options: Required<Pick<WriterClientOptions, Defaults>> & WriterClientOptions;
  readonly #queue = new ExchangeQueue();
  readonly #spill: SpillHandoff;
  readonly #backoff: WriteBackoff;
  readonly #thread: WriterThread;
  #inflight: { id: number; records: ExchangeRecord[] } | undefined;
  #nextBatchId = 1;
  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #holdTimer: NodeJS.Timeout | undefined;
  #parkTimer: NodeJS.Timeout | undefined;
  #parks = 0;
  #stopping = false;
  written = 0;
  dropped = 0;

  constructor(options: WriterClientOptions) {
    this.#options = {
      batchIntervalMs: 25,
      batchSendAtExchanges: 64,
      batchMaxExchanges: BATCH_MAX_EXCHANGES,
      batchMaxBytes: 32 * 1024 * 1024,
      maxQueuedExchanges: 10_000,
      maxQueuedBytes: 256 * 1024 * 1024,
      spillAfterExchanges: 1000,
      spillAfterBytes: 64 * 1024 * 1024,
      parkAfterMs: DEFAULT_WRITER_PARK_AFTER_MS,
      ...options,
    };
    const o = this.#options;
    this.#backoff = new WriteBackoff(o.batchMaxExchanges, (failing) => o.onFailingChange?.(failing));
    this.#spill = new SpillHandoff({
      journal: o.spill,
      log: o.log,
      secrets: () => secretHeaderNames(o.workerData.settings.redactHeaders),
      afterExchanges: o.spillAfterExchanges,
      afterBytes: o.spillAfterBytes,
      readBack: o.batchMaxExchanges * 2,
      onAppendFailed: (records) => {
        for (const r of records) this.#queue.pushBack(r);
        this.#enforceMemoryLimit();
        this.#pump();
      },
    });
    this.#thread = new WriterThread(() => o.workerData, o.log, {
      ready: () => {
        this.#backoff.threadReady();
        this.#pump();
      },
      fatal: (reason, message) => this.#backoff.fail(reason, message),
      batchDone: (id, outcome) => this.#onBatchDone(id, outcome),
      parkDone: (parked) => {
        if (parked) {
          this.#parks++;
          try {
            this.#options.onParked?.();
          } catch (err) {
            o.log.warn('aigw.writer_park_hook_failed', { error: errorMessage(err) });
          }
        }
        // exchanges that came meanwhile, or a refusal: carry on (a refused park is tried again later)
        if (this.#queue.length > 0 || this.#spill.active) this.#thread.wake();
        else if (!parked) this.#scheduleParking();
        this.#pump();
      },
      exited: (code) => {
        o.log.error('aigw.writer_exited', { code, in_flight: this.#inflight?.records.length ?? 0 });
        this.#requeueInflight('writer_crashed');
      },
    });
  }

  /**
   * Start the writer thread; resolves once it is ready (database opened), has failed, or
   * `readyTimeoutMs` passed. Never rejects: the proxy runs either way.
   */
  start(readyTimeoutMs: number): Promise<void> {
    return this.#thread.start(readyTimeoutMs);
  }

  get failing(): WriteFailure | undefined {
    return this.#backoff.failing;
  }

  status(): WriterStatus {
    return {
      ready: this.#thread.ready || this.#thread.parked,
      parked: this.#thread.parked,
      parks: this.#parks,
      queued: this.#queue.length,
      in_flight: this.#inflight?.records.length ?? 0,
      written: this.written,
      dropped: this.dropped,
      spilled: this.#spill.appended,
      spill_backlog_bytes: this.#spill.backlogBytes,
      held_ms: this.#options.gate?.heldMs ?? 0,
      projectors: this.#thread.projectors,
    };
  }

  enqueue(record: ExchangeRecord): void {
    this.#cancelParking();
    this.#thread.wake();
    if (!this.#spill.offer(record, this.#queue)) {
      this.#queue.pushBack(record);
      this.#enforceMemoryLimit();
    }
    this.#schedulePump();
  }

  /** A reloaded `writer_park_after_ms`: applies from the next idle period. */
  setParkAfterMs(ms: number): void {
    this.#options.parkAfterMs = ms;
    this.#cancelParking();
    this.#pump();
  }

  updateSettings(settings: WriterSettings): void {
    this.#options.workerData = { ...this.#options.workerData, settings };
    this.#thread.post({ type: 'settings', settings });
  }

  /** Write what is queued (until `deadlineMs`), then stop the writer thread. */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true;
    this.#cancelParking();
    this.#thread.stopping();
    const deadline = Date.now() + deadlineMs;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    if (this.#holdTimer) {
      clearTimeout(this.#holdTimer);
      this.#holdTimer = undefined;
    }
    if (this.#retryTimer) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    this.#pump(); // while writes fail, this is the last attempt
    while (
      (this.#queue.length > 0 || this.#inflight || this.#spill.refilling || this.#spill.active) &&
      Date.now() < deadline
    ) {
      if (this.failing && !this.#inflight) break;
      await new Promise((r) => setTimeout(r, 10));
      if (!this.failing) this.#pump();
    }
    const left = [...(this.#inflight?.records ?? []), ...this.#queue.takeAll()];
    this.#inflight = undefined;
    await this.#spill.keepAtStop(left, this.failing?.reason ?? 'stop_deadline', (record, reason) =>
      this.#drop(record, reason),
    );
    await this.#thread.shutdown(deadline);
  }

  #enforceMemoryLimit(): void {
    for (const oldest of this.#queue.overflow(this.#options.maxQueuedExchanges, this.#options.maxQueuedBytes))
      this.#drop(oldest, 'queue_overflow');
  }

  #schedulePump(): void {
    if (this.#queue.length >= this.#options.batchSendAtExchanges) this.#pump();
    else if (!this.#flushTimer)
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = undefined;
        this.#pump();
      }, this.#options.batchIntervalMs);
  }

  /** Nothing to write: park the thread once it has stayed that way for `parkAfterMs`. */
  #scheduleParking(): void {
    const after = this.#options.parkAfterMs;
    if (after <= 0 || this.#stopping) return;
    if (this.#parkTimer) this.#parkTimer.refresh();
    else {
      this.#parkTimer = setTimeout(() => {
        this.#parkTimer = undefined;
        if (this.#queue.length > 0 || this.#inflight || this.#spill.active || this.failing) return;
        this.#thread.park();
      }, after);
      this.#parkTimer.unref();
    }
  }

  #cancelParking(): void {
    if (this.#parkTimer) clearTimeout(this.#parkTimer);
    this.#parkTimer = undefined;
  }

  #pump(): void {
    if (!this.#thread.ready || this.#inflight || this.#retryTimer || this.#holdTimer) return;
    if (this.#queue.length === 0 && !this.#spill.active) {
      this.#scheduleParking();
      return;
    }
    const gate = this.#options.gate;
    if (!this.#stopping && gate && this.#behind() && gate.shouldHold()) {
      // held: nothing is read back from the journal either
      this.#holdTimer = setTimeout(() => {
        this.#holdTimer = undefined;
        this.#pump();
      }, gate.sampleMs);
      this.#holdTimer.unref();
      return;
    }
    this.#spill.refill(
      this.#queue,
      (records) => {
        for (const record of records) this.#queue.pushBack(record);
        this.#pump();
      },
      () => this.#pump(),
    );
    if (this.#queue.length === 0) return;
    const records = this.#queue.take(this.#backoff.batchLimit, this.#options.batchMaxBytes);
    this.#inflight = { id: this.#nextBatchId++, records };
    this.#thread.post({ type: 'batch', id: this.#inflight.id, records });
  }

  /** Capture has fallen behind (a full batch waits, or the journal holds some): only then may the gate hold it. */
  #behind(): boolean {
    return this.#queue.length >= this.#options.batchSendAtExchanges || this.#spill.active;
  }

  #onBatchDone(id: number, outcome: BatchOutcome): void {
    const batch = this.#inflight;
    if (!batch || batch.id !== id) return;
    const { log } = this.#options;
    if (outcome.ok) {
      this.#inflight = undefined;
      this.written += batch.records.length;
      for (const record of batch.records) {
        this.#spill.settle(record);
        releaseBodies(record);
      }
      if (outcome.models) {
        try {
          this.#options.onModelsWritten?.(outcome.models);
        } catch (err) {
          log.warn('aigw.models_hook_failed', { error: errorMessage(err) });
        }
      }
      this.#thread.healthy();
      this.#backoff.succeeded();
      const ended = this.failing;
      if (ended) {
        log.info('aigw.write_recovered', { reason: ended.reason, since: ended.since });
        this.#backoff.clear();
      }
      this.#pump();
      return;
    }
    const reported = new Set(outcome.reported);
    for (const record of batch.records) if (reported.has(record.exchange_id)) record.reported = true;
    if (outcome.reason === WRITER_ERROR) {
      this.#requeueInflight(WRITER_ERROR);
      this.#pump();
      return;
    }
    // the database refuses writes: keep the batch at the front, retry with backoff
    this.#inflight = undefined;
    // alone and still too big for the space left: newer exchanges go first, and after a few
    // tries it is dropped rather than block capture
    const tooBig = outcome.reason === 'db_full' && batch.records.length === 1;
    if (tooBig) this.#requeueCounting(batch.records, 'db_full', 'back');
    else this.#queue.pushFront(batch.records);
    this.#backoff.refused();
    log.debug('aigw.write_retry_failed', {
      reason: outcome.reason,
      error: outcome.message,
      batch: batch.records.length,
      queued: this.#queue.length,
    });
    if (this.failing?.reason !== outcome.reason) {
      log.warn('aigw.write_failing', { reason: outcome.reason, error: outcome.message, queued: this.#queue.length });
      this.#backoff.fail(outcome.reason, outcome.message);
    }
    if (outcome.reason === 'db_schema_missing') this.#options.ensureTables?.();
    if (this.#stopping) return;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        this.#pump();
      },
      this.#backoff.retryDelay(tooBig && this.#queue.length > 1),
    );
    this.#retryTimer.unref();
  }

  #requeueInflight(reason: string): void {
    const batch = this.#inflight;
    this.#inflight = undefined;
    if (!batch) return;
    this.#requeueCounting(batch.records, reason, 'front');
    // one exchange at a time, doubling back with each success: an exchange that crashes the
    // writer is then retried alone and dropped after its third loss, not with a batch of
    // up to 255 others counted against it each time
    this.#backoff.refused();
  }

  /** Requeue, counting a lost delivery against each record; drop those that failed too often. */
  #requeueCounting(records: ExchangeRecord[], reason: string, where: 'front' | 'back'): void {
    const retry: ExchangeRecord[] = [];
    for (const record of records) {
      if (this.#queue.deliveryFailed(record)) this.#drop(record, reason);
      else retry.push(record);
    }
    if (where === 'front') this.#queue.pushFront(retry);
    else for (const r of retry) this.#queue.pushBack(r);
  }

  /** Give up on a record: it is logged and counted like every other exchange. */
  #drop(record: ExchangeRecord, reason: string): void {
    const { log, meter } = this.#options;
    this.dropped++;
    this.#spill.settle(record);
    reportWriteFailure(record, reason, undefined, log, meter);
    reportExchange(
      record,
      { is_sse: null, rows_written: 0, projector: null, skip_reason: null, error: record.error, write_failed: reason },
      log,
      meter,
    );
    // no thread reads a dropped record's bodies (it was queued, or its batch came back): its
    // shared blocks can take the next bodies
    releaseBodies(record);
  }
}
