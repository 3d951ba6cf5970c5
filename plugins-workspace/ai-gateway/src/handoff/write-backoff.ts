/**
 * How the handoff paces writes while the database refuses them: the failure state `hyp status`
 * shows, the retry delay (1 s doubling to 5 s) and the batch size (1 after a failure, since a
 * big batch may never fit a nearly full disk, doubling back up with each success).
 */
export interface WriteFailure {
  since: string;
  reason: string;
  message: string;
}

/** While the database refuses writes, the queued batch is retried at most this far apart. */
const MAX_RETRY_DELAY_MS = 5000;
const FIRST_RETRY_DELAY_MS = 1000;
/** Retry delay after moving an exchange too big for a full disk behind the others. */
const QUICK_RETRY_MS = 200;

export class WriteBackoff {
  readonly #maxBatch: number;
  readonly #onFailingChange: (failing: WriteFailure | undefined) => void;
  #batchLimit: number;
  #retryDelayMs = FIRST_RETRY_DELAY_MS;
  #failing: WriteFailure | undefined;

  constructor(maxBatch: number, onFailingChange: (failing: WriteFailure | undefined) => void) {
    this.#maxBatch = maxBatch;
    this.#batchLimit = maxBatch;
    this.#onFailingChange = onFailingChange;
  }

  get failing(): WriteFailure | undefined {
    return this.#failing;
  }

  /** exchanges the next batch may hold */
  get batchLimit(): number {
    return this.#batchLimit;
  }

  /** A batch was written: retries start over, the batch size grows back. */
  succeeded(): void {
    this.#retryDelayMs = FIRST_RETRY_DELAY_MS;
    this.#batchLimit = Math.min(this.#maxBatch, this.#batchLimit * 2);
  }

  /** The database refused a batch: one exchange at a time until it takes writes again. */
  refused(): void {
    this.#batchLimit = 1;
  }

  /** The delay before the retry: short when only an oversized exchange moved behind others. */
  retryDelay(quick: boolean): number {
    if (quick) return QUICK_RETRY_MS;
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(MAX_RETRY_DELAY_MS, this.#retryDelayMs * 2);
    return delay;
  }

  /** Writes fail from now on (`hyp status` shows it). */
  fail(reason: string, message: string): void {
    this.#set({ since: new Date().toISOString(), reason, message });
  }

  /** Writes work again. */
  clear(): void {
    this.#set(undefined);
  }

  /** A (re)started writer thread clears a failure that was about the thread itself. */
  threadReady(): void {
    if (this.#failing?.reason.startsWith('writer_')) this.clear();
  }

  #set(failing: WriteFailure | undefined): void {
    this.#failing = failing;
    this.#onFailingChange(failing);
  }
}
