/**
 * One full garbage collection of this thread's heap once it has been idle for a while after a
 * burst of work. V8 collects the old generation when it grows, not when the program goes idle:
 * after a burst of 3,000 exchanges the writer's heap stayed at ~60 MB resident with ~10 MB
 * live, until the next burst. A collection at rest costs nobody a wait (the thread has no
 * work) and gives the garbage's pages back.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collectGarbage: (() => void) | undefined;

/** V8's `gc()` on this thread's heap: the flag is process-wide and only exposes the function to new contexts. */
export function fullCollection(): void {
  if (!collectGarbage) {
    setFlagsFromString('--expose-gc');
    collectGarbage = runInNewContext('gc') as () => void;
  }
  collectGarbage();
}

export class IdleCollection {
  readonly #idleMs: number;
  readonly #minWork: number;
  readonly #collect: () => void;
  #workSince = 0;
  #timer: NodeJS.Timeout | undefined;

  /** Collect `idleMs` after the last work, once at least `minWork` units were done since the last collection. */
  constructor(idleMs: number, minWork: number, collect: () => void = fullCollection) {
    this.#idleMs = idleMs;
    this.#minWork = minWork;
    this.#collect = collect;
  }

  /** `units` of work were just done: the idle wait starts again. */
  worked(units: number): void {
    this.#workSince += units;
    if (this.#workSince < this.#minWork) return;
    if (this.#timer) this.#timer.refresh();
    else {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#workSince = 0;
        this.#collect();
      }, this.#idleMs);
      this.#timer.unref();
    }
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
