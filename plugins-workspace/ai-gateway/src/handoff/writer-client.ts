/**
 * The proxy's side of the writer thread: queues finished exchanges, sends them in batches
 * (every 25 ms or 64 exchanges, one batch in flight), restarts a dead writer and re-sends
 * what it had not confirmed, and keeps a bounded queue while the database refuses writes.
 * Past `spillAfter*` queued exchanges the rest wait in the spill journal on disk, read back
 * in order as the writer catches up; at stop, what is still queued goes there too. While the
 * proxy is busy on a saturated machine the writer waits (load-gate.ts). Proxying never waits
 * on any of this.
 */
import { Worker } from 'node:worker_threads';
import { errorMessage, type Logger, type Meter } from '@hypaware/core';
import { recordBytes, type ExchangeRecord } from '../exchange-record.js';
import type { WriterSettings } from '../recorder/exchange-writer.js';
import { secretHeaderNames } from '../recorder/header-redaction.js';
import { LoadGate } from './load-gate.js';
import { SpillJournal } from './spill-journal.js';
import { WRITER_ERROR, type FromWriter, type ToWriter, type WriterWorkerData } from './writer-protocol.js';

export interface WriterClientOptions {
  workerData: WriterWorkerData;
  log: Logger;
  meter: Meter;
  batchIntervalMs?: number;
  batchMaxExchanges?: number;
  /** in memory, beyond these the oldest exchange is dropped (the spill journal is full or failing) */
  maxQueuedExchanges?: number;
  maxQueuedBytes?: number;
  /** the spill journal: where exchanges wait once the memory queue holds `spillAfter*`; none: memory only */
  spill?: { dir: string; maxBytes: number };
  spillAfterExchanges?: number;
  spillAfterBytes?: number;
  /** when the writer yields to traffic; none: it never waits */
  gate?: LoadGate;
  /** create the tables the writer needs (the writer reported them missing); must not throw */
  ensureTables?(): void;
  /** called when writes start or stop failing */
  onFailingChange?(failing: WriteFailure | undefined): void;
}

export interface WriteFailure {
  since: string;
  reason: string;
  message: string;
}

/** While the database refuses writes, the queued batch is retried at most this far apart. */
const MAX_RETRY_DELAY_MS = 5000;
/** Retry delay after moving an exchange too big for a full disk behind the others. */
const QUICK_RETRY_MS = 200;

/** A record whose batch was lost this many times (writer crash or error, or alone too big for a full disk) is dropped. */
const MAX_DELIVERY_FAILURES = 3;

/** How long stop waits for the writer thread to end by itself before terminating it. */
const SHUTDOWN_WAIT_MS = 8000;
/** Read back from the journal at most this much at once. */
const REFILL_MAX_BYTES = 16 * 1024 * 1024;
/** When the journal's records are not on disk yet, look again after this long. */
const REFILL_RETRY_MS = 20;

type Defaults = 'batchIntervalMs' | 'batchMaxExchanges' | 'maxQueuedExchanges' | 'maxQueuedBytes' | 'spillAfterExchanges' | 'spillAfterBytes';

export interface WriterStatus {
  ready: boolean;
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
  readonly #spill: SpillJournal | undefined;
  #refilling = false;
  #holdTimer: NodeJS.Timeout | undefined;
  #worker: Worker | undefined;
  #ready = false;
  #projectors: string[] = [];
  #queue: ExchangeRecord[] = [];
  #queuedBytes = 0;
  #inflight: { id: number; records: ExchangeRecord[] } | undefined;
  readonly #deliveryFailures = new WeakMap<ExchangeRecord, number>();
  #nextBatchId = 1;
  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #retryDelayMs = 1000;
  /** batch size now: 1 after a storage failure (a big batch may never fit a nearly full disk), doubling back up */
  #batchLimit: number;
  #crashesInRow = 0;
  #failing: WriteFailure | undefined;
  #stopping = false;
  #shutdownDone: (() => void) | undefined;
  #onFirstReady: (() => void) | undefined;
  written = 0;
  dropped = 0;

  constructor(options: WriterClientOptions) {
    this.#options = {
      batchIntervalMs: 25, batchMaxExchanges: 64, maxQueuedExchanges: 10_000, maxQueuedBytes: 256 * 1024 * 1024,
      spillAfterExchanges: 1000, spillAfterBytes: 64 * 1024 * 1024,
      ...options,
    };
    this.#batchLimit = this.#options.batchMaxExchanges;
    this.#spill = this.#openSpill();
  }

  #openSpill(): SpillJournal | undefined {
    const spill = this.#options.spill;
    // with max_bytes 0 nothing new is spilled, but files an earlier run left are still written
    if (!spill) return undefined;
    try {
      return new SpillJournal({
        dir: spill.dir,
        maxBytes: spill.maxBytes,
        log: this.#options.log,
        secrets: () => secretHeaderNames(this.#options.workerData.settings.redactHeaders),
        onAppendFailed: (records) => {
          for (const r of records) this.#enqueueBack(r);
          this.#enforceMemoryLimit();
          this.#pump();
        },
      });
    } catch (err) {
      this.#options.log.warn('aigw.spill_unavailable', { dir: spill.dir, error: errorMessage(err), message: 'exchanges the writer has not taken yet wait in memory only' });
      return undefined;
    }
  }

  /**
   * Start the writer thread; resolves once it is ready (database opened), has failed, or
   * `readyTimeoutMs` passed. Never rejects: the proxy runs either way.
   */
  start(readyTimeoutMs: number): Promise<void> {
    const settled = new Promise<void>((resolve) => { this.#onFirstReady = resolve; });
    this.#spawn();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, readyTimeoutMs).unref());
    return Promise.race([settled, timeout]);
  }

  get failing(): WriteFailure | undefined {
    return this.#failing;
  }

  status(): WriterStatus {
    return {
      ready: this.#ready, queued: this.#queue.length, in_flight: this.#inflight?.records.length ?? 0, written: this.written, dropped: this.dropped,
      spilled: this.#spill?.appended ?? 0, spill_backlog_bytes: this.#spill?.backlogBytes ?? 0,
      held_ms: this.#options.gate?.heldMs ?? 0, projectors: this.#projectors,
    };
  }

  enqueue(record: ExchangeRecord): void {
    if (this.#shouldSpill() && this.#spill!.append(record)) {
      this.#schedulePump();
      return;
    }
    this.#enqueueBack(record);
    this.#enforceMemoryLimit();
    this.#schedulePump();
  }

  /** Behind records already in the journal, or past the memory share: to disk. */
  #shouldSpill(): boolean {
    if (!this.#spill) return false;
    return this.#spill.active || this.#queue.length >= this.#options.spillAfterExchanges || this.#queuedBytes >= this.#options.spillAfterBytes;
  }

  #enforceMemoryLimit(): void {
    while (this.#queue.length > this.#options.maxQueuedExchanges || this.#queuedBytes > this.#options.maxQueuedBytes) {
      const oldest = this.#queue.shift()!;
      this.#queuedBytes -= recordBytes(oldest);
      this.#drop(oldest, 'queue_overflow');
    }
  }

  #schedulePump(): void {
    if (this.#queue.length >= this.#options.batchMaxExchanges) this.#pump();
    else if (!this.#flushTimer) this.#flushTimer = setTimeout(() => { this.#flushTimer = undefined; this.#pump(); }, this.#options.batchIntervalMs);
  }

  updateSettings(settings: WriterSettings): void {
    this.#options.workerData = { ...this.#options.workerData, settings };
    this.#post({ type: 'settings', settings });
  }

  /** Write what is queued (until `deadlineMs`), then stop the writer thread. */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true;
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
    while ((this.#queue.length > 0 || this.#inflight || this.#refilling || this.#spill?.active) && Date.now() < deadline) {
      if (this.#failing && !this.#inflight) break;
      await new Promise((r) => setTimeout(r, 10));
      if (!this.#failing) this.#pump();
    }
    await this.#keepUnwritten(this.#failing?.reason ?? 'stop_deadline');
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (!worker) return;
    const done = new Promise<void>((resolve) => {
      this.#shutdownDone = resolve;
      worker.once('exit', () => resolve());
    });
    this.#post({ type: 'shutdown' });
    // a batch still in flight ends within SQLite's busy timeout (5 s); terminating the thread
    // inside a SQLite call aborts the whole process, so that is only the last resort
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(SHUTDOWN_WAIT_MS, deadline - Date.now() + 3000)).unref());
    if ((await Promise.race([done, timeout])) === 'timeout') {
      this.#options.log.warn('aigw.writer_shutdown_timeout', {});
    }
    await worker.terminate();
  }

  /**
   * At stop: what is still queued goes to the front of the spill journal (written at the next
   * start); records read from the journal are still in their files. Without a journal, or when
   * it fails, they are dropped (logged and counted).
   */
  async #keepUnwritten(reason: string): Promise<void> {
    const left = [...(this.#inflight?.records ?? []), ...this.#queue];
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#inflight = undefined;
    const spill = this.#spill;
    if (!spill) {
      for (const record of left) this.#drop(record, reason);
      return;
    }
    const fromMemory = left.filter((r) => !spill.holds(r));
    let kept = 0;
    try {
      kept = await spill.appendFront(fromMemory);
    } catch (err) {
      this.#options.log.error('aigw.spill_append_failed', { exchanges: fromMemory.length, error: errorMessage(err) });
    }
    for (const record of fromMemory.slice(kept)) this.#drop(record, reason);
    await spill.close();
    const waiting = left.length - fromMemory.length + kept;
    if (waiting > 0 || spill.diskBytes > 0) {
      this.#options.log.info('aigw.spill_kept', { exchanges_from_memory: kept, spill_bytes: spill.diskBytes, reason, message: 'written at the next start' });
    }
  }

  #spawn(): void {
    this.#ready = false;
    const worker = new Worker(new URL('../recorder/writer-worker.js', import.meta.url), { workerData: this.#options.workerData });
    this.#worker = worker;
    worker.on('message', (msg: FromWriter) => this.#onMessage(msg));
    worker.on('error', (err) => this.#options.log.error('aigw.writer_error', { error: errorMessage(err) }));
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#ready = false;
      this.#onFirstReady?.();
      if (this.#stopping) return;
      this.#options.log.error('aigw.writer_exited', { code, in_flight: this.#inflight?.records.length ?? 0 });
      this.#requeueInflight('writer_crashed');
      this.#crashesInRow++;
      const delay = Math.min(10_000, 250 * 2 ** Math.min(this.#crashesInRow, 6));
      this.#restartTimer = setTimeout(() => { this.#restartTimer = undefined; this.#spawn(); }, delay);
      this.#restartTimer.unref();
    });
  }

  #onMessage(msg: FromWriter): void {
    switch (msg.type) {
      case 'ready':
        this.#ready = true;
        this.#projectors = msg.projectors;
        this.#options.log.info('aigw.writer_ready', { projectors: msg.projectors.join(',') });
        if (this.#failing?.reason.startsWith('writer_')) this.#setFailing(undefined);
        this.#onFirstReady?.();
        this.#pump();
        return;
      case 'fatal':
        this.#options.log.error('aigw.writer_unavailable', { reason: msg.reason, error: msg.message });
        this.#setFailing({ since: new Date().toISOString(), reason: msg.reason, message: msg.message });
        this.#onFirstReady?.();
        void this.#worker?.terminate();
        return;
      case 'batch_done':
        this.#onBatchDone(msg.id, msg.outcome);
        return;
      case 'shutdown_done':
        this.#shutdownDone?.();
        return;
    }
  }

  #onBatchDone(id: number, outcome: Extract<FromWriter, { type: 'batch_done' }>['outcome']): void {
    const batch = this.#inflight;
    if (!batch || batch.id !== id) return;
    if (outcome.ok) {
      this.#inflight = undefined;
      this.written += batch.records.length;
      for (const record of batch.records) this.#spill?.settle(record);
      this.#crashesInRow = 0;
      this.#retryDelayMs = 1000;
      this.#batchLimit = Math.min(this.#options.batchMaxExchanges, this.#batchLimit * 2);
      if (this.#failing) {
        this.#options.log.info('aigw.write_recovered', { reason: this.#failing.reason, since: this.#failing.since });
        this.#setFailing(undefined);
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
    else this.#requeueFront(batch.records);
    this.#batchLimit = 1;
    this.#options.log.debug('aigw.write_retry_failed', { reason: outcome.reason, error: outcome.message, batch: batch.records.length, queued: this.#queue.length });
    if (!this.#failing || this.#failing.reason !== outcome.reason) {
      this.#options.log.warn('aigw.write_failing', { reason: outcome.reason, error: outcome.message, queued: this.#queue.length });
      this.#setFailing({ since: new Date().toISOString(), reason: outcome.reason, message: outcome.message });
    }
    if (outcome.reason === 'db_schema_missing') this.#options.ensureTables?.();
    if (this.#stopping) return;
    const delay = tooBig && this.#queue.length > 1 ? QUICK_RETRY_MS : this.#retryDelayMs;
    this.#retryTimer = setTimeout(() => { this.#retryTimer = undefined; this.#pump(); }, delay);
    this.#retryTimer.unref();
    if (delay !== QUICK_RETRY_MS) this.#retryDelayMs = Math.min(MAX_RETRY_DELAY_MS, this.#retryDelayMs * 2);
  }

  #requeueInflight(reason: string): void {
    const batch = this.#inflight;
    this.#inflight = undefined;
    if (batch) this.#requeueCounting(batch.records, reason, 'front');
  }

  /** Requeue at the front, counting a failure against each record; drop those that failed too often. */
  #requeueCounting(records: ExchangeRecord[], reason: string, where: 'front' | 'back'): void {
    const retry: ExchangeRecord[] = [];
    for (const record of records) {
      const failures = (this.#deliveryFailures.get(record) ?? 0) + 1;
      this.#deliveryFailures.set(record, failures);
      if (failures >= MAX_DELIVERY_FAILURES) this.#drop(record, reason);
      else retry.push(record);
    }
    if (where === 'front') this.#requeueFront(retry);
    else for (const r of retry) this.#enqueueBack(r);
  }

  #enqueueBack(record: ExchangeRecord): void {
    this.#queue.push(record);
    this.#queuedBytes += recordBytes(record);
  }

  #requeueFront(records: ExchangeRecord[]): void {
    this.#queue.unshift(...records);
    for (const r of records) this.#queuedBytes += recordBytes(r);
  }

  #pump(): void {
    if (!this.#ready || this.#inflight || this.#retryTimer || this.#holdTimer) return;
    if (this.#queue.length === 0 && !this.#spill?.active) return;
    const gate = this.#options.gate;
    if (!this.#stopping && gate && this.#behind() && gate.shouldHold()) {
      // held: nothing is read back from the journal either
      this.#holdTimer = setTimeout(() => { this.#holdTimer = undefined; this.#pump(); }, gate.sampleMs);
      this.#holdTimer.unref();
      return;
    }
    this.#refill();
    if (this.#queue.length === 0) return;
    const records = this.#queue.splice(0, this.#batchLimit);
    for (const r of records) this.#queuedBytes -= recordBytes(r);
    this.#inflight = { id: this.#nextBatchId++, records };
    this.#post({ type: 'batch', id: this.#inflight.id, records });
  }

  /** Capture has fallen behind (a full batch waits, or the journal holds some): only then may the gate hold it. */
  #behind(): boolean {
    return this.#queue.length >= this.#options.batchMaxExchanges || (this.#spill?.active ?? false);
  }

  /** Keep two batches in memory while the journal holds more. */
  #refill(): void {
    const spill = this.#spill;
    if (!spill || this.#refilling || !spill.active || this.#queue.length >= this.#options.batchMaxExchanges * 2) return;
    this.#refilling = true;
    spill.readNext(this.#options.batchMaxExchanges * 2, REFILL_MAX_BYTES).then(
      (records) => {
        this.#refilling = false;
        for (const record of records) this.#enqueueBack(record);
        if (records.length > 0) this.#pump();
        else if (spill.active) setTimeout(() => this.#pump(), REFILL_RETRY_MS).unref();
      },
      (err) => {
        this.#refilling = false;
        this.#options.log.error('aigw.spill_read_failed', { error: errorMessage(err) });
      },
    );
  }

  #post(msg: ToWriter): void {
    try {
      this.#worker?.postMessage(msg);
    } catch (err) {
      this.#options.log.error('aigw.writer_post_failed', { type: msg.type, error: errorMessage(err) });
    }
  }

  /** Give up on a record: it is logged and counted like every other exchange. */
  #drop(record: ExchangeRecord, reason: string): void {
    this.dropped++;
    this.#spill?.settle(record);
    this.#options.log.error('aigw.exchange_write_failed', { exchange_id: record.exchange_id, upstream: record.upstream, reason });
    this.#options.meter.counter('aigw.exchange_write_failures').add(1, { reason });
    if (record.reported) return;
    record.reported = true;
    this.#options.log.info('aigw.exchange', {
      exchange_id: record.exchange_id, upstream: record.upstream, path: record.path, status_code: record.status_code ?? 0,
      request_bytes: record.request_bytes, response_bytes: record.response_bytes, is_sse: null, rows_written: 0,
      projector: null, skip_reason: null, error: record.error, duration_ms: record.duration_ms, write_failed: reason,
    });
    this.#options.meter.counter('aigw.exchange_bytes').add(record.request_bytes + record.response_bytes, { hyp_upstream: record.upstream ?? '(none)' });
  }

  #setFailing(failing: WriteFailure | undefined): void {
    this.#failing = failing;
    this.#options.onFailingChange?.(failing);
  }
}
