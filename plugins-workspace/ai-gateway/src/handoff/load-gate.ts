/**
 * When the writer may take its next batch. Capture is background work: while the proxy's
 * event loop is busy AND the machine has no CPU to spare, every millisecond the writer runs
 * is taken from the agent's traffic, so the writer waits (its backlog goes to the spill
 * journal). It still takes one batch every `maxHoldMs`, so a load that never ends cannot
 * starve capture. With CPU to spare, or a quiet proxy, it never waits; and the writer client
 * asks only once capture has fallen behind (a full batch queued, or a spill backlog).
 */
import { cpus } from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface LoadSample {
  /** share of the window the proxy's event loop was busy, 0..1 */
  loopUtilization: number;
  /** share of the window the machine's CPUs were idle, 0..1 */
  cpuIdle: number;
}

export interface LoadGateOptions {
  /** the loop counts as busy at or above this utilization */
  busyLoop?: number;
  /** the machine counts as saturated at or below this idle share */
  saturatedIdle?: number;
  maxHoldMs?: number;
  /** a new sample is taken at most this often; in between, the last one stands */
  sampleMs?: number;
  /** replaces the real measurement (tests) */
  sample?: () => LoadSample;
}

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Utilization of this thread's event loop and idle share of the machine since the previous call. */
export function loadSampler(): () => LoadSample {
  let loop: EventLoopUtilization = performance.eventLoopUtilization();
  let cpu = cpuTimes();
  return () => {
    const loopDelta = performance.eventLoopUtilization(loop);
    loop = performance.eventLoopUtilization();
    const now = cpuTimes();
    const total = now.total - cpu.total;
    const idle = total > 0 ? (now.idle - cpu.idle) / total : 1;
    cpu = now;
    return { loopUtilization: loopDelta.utilization, cpuIdle: idle };
  };
}

export class LoadGate {
  readonly #busyLoop: number;
  readonly #saturatedIdle: number;
  readonly #maxHoldMs: number;
  readonly #sampleMs: number;
  readonly #sample: () => LoadSample;
  #sampledAt = Number.NEGATIVE_INFINITY;
  #busy = false;
  #heldSince: number | undefined;
  /** how many times the writer was made to wait, and for how long in all (ms) */
  holds = 0;
  heldMs = 0;

  constructor(options: LoadGateOptions = {}) {
    this.#busyLoop = options.busyLoop ?? 0.3;
    this.#saturatedIdle = options.saturatedIdle ?? 0.3;
    this.#maxHoldMs = options.maxHoldMs ?? 5000;
    this.#sampleMs = options.sampleMs ?? 100;
    this.#sample = options.sample ?? loadSampler();
  }

  /** true: the writer should wait (ask again in about `sampleMs`); false: it may take a batch now */
  shouldHold(now = Date.now()): boolean {
    if (now - this.#sampledAt >= this.#sampleMs) {
      const s = this.#sample();
      this.#sampledAt = now;
      this.#busy = s.loopUtilization >= this.#busyLoop && s.cpuIdle <= this.#saturatedIdle;
    }
    if (!this.#busy) return this.#release(now);
    if (this.#heldSince === undefined) {
      this.#heldSince = now;
      this.holds++;
      return true;
    }
    // a load that never ends still gets one batch written every maxHoldMs
    if (now - this.#heldSince >= this.#maxHoldMs) return this.#release(now);
    return true;
  }

  get sampleMs(): number {
    return this.#sampleMs;
  }

  #release(now: number): false {
    if (this.#heldSince !== undefined) this.heldMs += now - this.#heldSince;
    this.#heldSince = undefined;
    return false;
  }
}
