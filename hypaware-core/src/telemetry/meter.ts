import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Counter, Meter, MetricAttributes } from '../plugin-api.js';
import { writeFileAtomic, writeFileAtomicAsync } from '../util/atomic-write.js';

export interface CounterSample {
  name: string;
  attributes: MetricAttributes;
  value: number;
}

function counterKey(name: string, attributes: MetricAttributes): string {
  return name + '\u0000' + JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * In-memory counters. Each process role persists a snapshot (`<metricsDir>/<role>.json`)
 * every few seconds while dirty and at shutdown, so `hyp status` and tests can read them.
 */
export class MeterRegistry {
  readonly #values = new Map<string, CounterSample>();
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  /** a timed snapshot being written on the thread pool */
  #writing = false;
  /** bumped by every `persist()`: a background write that finishes after one is superseded */
  #persisted = 0;
  readonly #file: string | undefined;

  constructor(metricsDir?: string, role?: string) {
    if (metricsDir && role) {
      this.#file = join(metricsDir, `${role}.json`);
      try {
        mkdirSync(metricsDir, { recursive: true, mode: 0o700 });
      } catch {
        /* reported elsewhere */
      }
      this.#resume(this.#file);
    }
  }

  /**
   * A thread of this process wrote the snapshot (the gateway's writer thread is started again
   * after it parked or crashed): its counts go on from there instead of starting at zero.
   */
  #resume(file: string): void {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; counters?: unknown };
      if (parsed.pid !== process.pid || !Array.isArray(parsed.counters)) return;
      for (const c of parsed.counters as CounterSample[]) {
        if (typeof c?.name !== 'string' || typeof c.value !== 'number' || typeof c.attributes !== 'object') continue;
        this.#values.set(counterKey(c.name, c.attributes), { name: c.name, attributes: c.attributes, value: c.value });
      }
    } catch {
      /* no snapshot, or not readable: start at zero */
    }
  }

  meter(baseAttributes: MetricAttributes = {}): Meter {
    return {
      counter: (name: string): Counter => ({
        add: (value: number, attributes: MetricAttributes = {}) =>
          this.add(name, value, { ...baseAttributes, ...attributes }),
      }),
    };
  }

  add(name: string, value: number, attributes: MetricAttributes): void {
    if (!Number.isFinite(value)) return;
    const key = counterKey(name, attributes);
    const sample = this.#values.get(key);
    if (sample) sample.value += value;
    else this.#values.set(key, { name, attributes, value });
    this.#dirty = true;
    if (this.#file && !this.#timer) {
      this.#timer = setTimeout(() => void this.#persistInBackground(), 2000);
      this.#timer.unref();
    }
  }

  samples(): CounterSample[] {
    return [...this.#values.values()].map((s) => ({ ...s, attributes: { ...s.attributes } }));
  }

  total(name: string): number {
    let sum = 0;
    for (const s of this.#values.values()) if (s.name === name) sum += s.value;
    return sum;
  }

  #snapshot(): string {
    return JSON.stringify(
      { updated_at: new Date().toISOString(), pid: process.pid, counters: this.samples() },
      null,
      1,
    );
  }

  /** The timed snapshot: written on the thread pool, no fsync (a crash loses at most 2 s of counts). */
  async #persistInBackground(): Promise<void> {
    this.#timer = undefined;
    if (!this.#file || !this.#dirty) return;
    if (this.#writing) {
      this.#timer = setTimeout(() => void this.#persistInBackground(), 2000);
      this.#timer.unref();
      return;
    }
    this.#dirty = false;
    this.#writing = true;
    const generation = this.#persisted;
    try {
      await writeFileAtomicAsync(this.#file, this.#snapshot(), { durable: false });
    } catch {
      /* metrics are best effort */
    } finally {
      this.#writing = false;
    }
    // a `persist()` (shutdown) ran meanwhile and this older snapshot may have replaced it
    if (this.#persisted !== generation) {
      this.#dirty = true;
      this.persist();
    }
  }

  /** Write the snapshot now (shutdown, tests), on this thread. */
  persist(): void {
    this.#persisted++;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (!this.#file || !this.#dirty) return;
    this.#dirty = false;
    try {
      writeFileAtomic(this.#file, this.#snapshot(), { durable: false });
    } catch {
      /* metrics are best effort */
    }
  }
}

/** All persisted counter snapshots (daemon main thread, writer thread...). */
export function readMetricSnapshots(metricsDir: string): CounterSample[] {
  const out: CounterSample[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(metricsDir).filter((f) => f.endsWith('.json'));
  } catch {
    return out;
  }
  for (const f of files) {
    try {
      const parsed = JSON.parse(readFileSync(join(metricsDir, f), 'utf8')) as { counters?: CounterSample[] };
      for (const c of parsed.counters ?? []) out.push(c);
    } catch {
      /* torn or foreign file: skip */
    }
  }
  return out;
}
