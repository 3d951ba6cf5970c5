/**
 * The writer thread's lifecycle as the main thread sees it: start, `ready` / `fatal`, restart
 * after a crash (backoff 0.5 s doubling to 10 s, reset by a written batch), parking when idle
 * (the thread ends and its isolate, heap and database connection are given back; the next
 * batch starts it again), and the shutdown handshake. What the batches mean is the
 * WriterClient's business.
 */
import { Worker } from 'node:worker_threads';
import { errorMessage, type Logger } from '@hypaware/core';
import type { BatchOutcome } from '../recorder/exchange-writer.js';
import type { FromWriter, ToWriter, WriterWorkerData } from './writer-protocol.js';

/** How long stop waits for the writer thread to end by itself before terminating it. */
const SHUTDOWN_WAIT_MS = 8000;
const MAX_RESTART_DELAY_MS = 10_000;
/** A parked thread that has not ended by itself this long after its answer is terminated. */
const PARK_EXIT_MS = 5_000;
/**
 * The writer isolate's young generation, MB (V8: three semi-spaces). V8's default lets it grow
 * to 48 MB under load, and it stays resident after the burst (32 MB committed, ~1 MB used);
 * the writer's garbage is short-lived, so a small nursery costs a few more scavenges only.
 */
export const WRITER_YOUNG_GENERATION_MB = 12;

export interface WriterThreadEvents {
  /** the thread is ready for batches (first start or restart) */
  ready(): void;
  /** the thread cannot work (e.g. its start failed); it is terminated and started again */
  fatal(reason: string, message: string): void;
  batchDone(id: number, outcome: BatchOutcome): void;
  /** a `park()` was answered: `parked` (the thread ended) or refused (it is ready again) */
  parkDone(parked: boolean): void;
  /** the thread ended by itself while running; it is restarted after a backoff */
  exited(code: number): void;
}

export class WriterThread {
  readonly #data: () => WriterWorkerData;
  readonly #log: Logger;
  readonly #events: WriterThreadEvents;
  #worker: Worker | undefined;
  #ready = false;
  #projectors: string[] = [];
  #crashesInRow = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #shutdownDone: (() => void) | undefined;
  #onFirstReady: (() => void) | undefined;
  /** a park was asked and not answered yet */
  #parking = false;
  /** ended on purpose while idle: no restart until `wake()` */
  #parked = false;
  /** `shutdown()` has begun: nothing starts the thread again */
  #shuttingDown = false;

  constructor(data: () => WriterWorkerData, log: Logger, events: WriterThreadEvents) {
    this.#data = data;
    this.#log = log;
    this.#events = events;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** projector names the running thread built */
  get projectors(): string[] {
    return this.#projectors;
  }

  /** Resolves once the thread is ready, has failed, or `readyTimeoutMs` passed; never rejects. */
  start(readyTimeoutMs: number): Promise<void> {
    const settled = new Promise<void>((resolve) => {
      this.#onFirstReady = resolve;
    });
    this.#spawn();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, readyTimeoutMs).unref());
    return Promise.race([settled, timeout]);
  }

  get parked(): boolean {
    return this.#parked;
  }

  /** Whether a `park()` is waiting for its answer. */
  get parking(): boolean {
    return this.#parking;
  }

  /**
   * Ask the idle thread to end (it refuses while re-checks are pending). Only between batches:
   * no batch may be posted until `parkDone` (the thread counts as not ready meanwhile).
   */
  park(): void {
    if (!this.#worker || !this.#ready || this.#stopping || this.#parking) return;
    this.#parking = true;
    this.#ready = false;
    this.post({ type: 'park' });
  }

  /**
   * Start a parked thread again; `ready` follows once it has opened the database. Also while
   * stopping (exchanges queued during a park are written before the end), not once shutdown began.
   */
  wake(): void {
    if (!this.#parked || this.#shuttingDown) return;
    this.#parked = false;
    this.#spawn();
  }

  /** A batch was written: the next crash restarts quickly again. */
  healthy(): void {
    this.#crashesInRow = 0;
  }

  post(msg: ToWriter): void {
    try {
      this.#worker?.postMessage(msg);
    } catch (err) {
      this.#log.error('aigw.writer_post_failed', { type: msg.type, error: errorMessage(err) });
    }
  }

  /** From now on an exit is the end, not a crash. */
  stopping(): void {
    this.#stopping = true;
  }

  /** Ask the thread to finish (pending re-checks, database, log) and wait; terminate it at the end. */
  async shutdown(deadline: number): Promise<void> {
    this.#stopping = true;
    this.#shuttingDown = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#parked = false;
    const worker = this.#worker;
    if (!worker) return;
    const done = new Promise<void>((resolve) => {
      this.#shutdownDone = resolve;
      worker.once('exit', () => resolve());
    });
    this.post({ type: 'shutdown' });
    // a batch still in flight ends within SQLite's busy timeout (5 s); terminating the thread
    // inside a SQLite call aborts the whole process, so that is only the last resort
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), Math.max(SHUTDOWN_WAIT_MS, deadline - Date.now() + 3000)).unref(),
    );
    if ((await Promise.race([done, timeout])) === 'timeout') {
      this.#log.warn('aigw.writer_shutdown_timeout', {});
    }
    await worker.terminate();
  }

  #spawn(): void {
    this.#ready = false;
    const worker = new Worker(new URL('../recorder/writer-worker.js', import.meta.url), {
      workerData: this.#data(),
      resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
    });
    this.#worker = worker;
    worker.on('message', (msg: FromWriter) => this.#onMessage(msg));
    worker.on('error', (err) => this.#log.error('aigw.writer_error', { error: errorMessage(err) }));
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#ready = false;
      this.#onFirstReady?.();
      if (this.#stopping || this.#parked) return;
      if (this.#parking) {
        // ended while its park was unanswered: a crash, but nothing was in flight
        this.#parking = false;
      }
      this.#events.exited(code);
      this.#crashesInRow++;
      const delay = Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** Math.min(this.#crashesInRow, 6));
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = undefined;
        this.#spawn();
      }, delay);
      this.#restartTimer.unref();
    });
  }

  #onMessage(msg: FromWriter): void {
    switch (msg.type) {
      case 'ready':
        this.#ready = true;
        this.#projectors = msg.projectors;
        this.#log.info('aigw.writer_ready', { projectors: msg.projectors.join(',') });
        this.#events.ready();
        this.#onFirstReady?.();
        return;
      case 'fatal':
        this.#log.error('aigw.writer_unavailable', { reason: msg.reason, error: msg.message });
        this.#events.fatal(msg.reason, msg.message);
        this.#onFirstReady?.();
        void this.#worker?.terminate();
        return;
      case 'batch_done':
        this.#events.batchDone(msg.id, msg.outcome);
        return;
      case 'park_done':
        this.#parking = false;
        if (msg.parked) {
          this.#parked = true;
          this.#log.info('aigw.writer_parked', {});
          // it closed its database and log and ends by itself once its last file writes are
          // done (a counter snapshot in flight); terminated if it has not after PARK_EXIT_MS
          const worker = this.#worker;
          setTimeout(() => void worker?.terminate(), PARK_EXIT_MS).unref();
        } else this.#ready = true;
        this.#events.parkDone(msg.parked);
        return;
      case 'shutdown_done':
        this.#shutdownDone?.();
        return;
    }
  }
}
