/**
 * The proxy measurements: each compares the three targets in the same run, trial by trial
 * with the order rotated, and returns raw-enough figures for the report.
 */
import type { BenchPlan } from './bench-plan.js';
import type { Driver } from './child-processes.js';
import type { BigBodyResult, LatencyResult, StreamResult, ThroughputResult } from './load-tasks.js';
import {
  readCpu,
  readMemory,
  readThreadGroupCpu,
  resetPeak,
  withPeakRss,
  type CpuSample,
} from '../harness/proc-usage.js';
import { max, median, percentile, rotated, round } from './stats.js';
import { TARGET_NAMES, type TargetName, type Targets } from './targets.js';
import { waitForWriter } from './capture-phase.js';
import type { Protocol } from '../harness/protocol-samples.js';

type PerTarget<T> = Record<TargetName, T>;

function perTarget<T>(make: () => T): PerTarget<T> {
  return { direct: make(), floor: make(), gateway: make() };
}

/**
 * Count what went through the gateway and wait until its writer has stored it, so the next
 * run (of any target) does not share the CPU with a capture backlog. Returns the wait in ms.
 */
async function afterRun(
  targets: Targets,
  name: TargetName,
  completed: number,
): Promise<{ waitedMs: number; missing: number }> {
  if (name !== 'gateway') return { waitedMs: 0, missing: 0 };
  targets.gatewayRequests += completed;
  const settled = await waitForWriter(targets);
  return { waitedMs: settled.waitedMs, missing: targets.gatewayRequests - settled.exchanges };
}

export async function warmUp(driver: Driver, targets: Targets, plan: BenchPlan): Promise<void> {
  for (const name of TARGET_NAMES) {
    const r = await driver.run<ThroughputResult>({
      kind: 'requests',
      origin: targets.origin[name],
      count: plan.warmupRequests,
      connections: 8,
      bodyBytes: plan.bodyBytes,
    });
    await afterRun(targets, name, r.completed);
    if (r.errors > 0) throw new Error(`warm-up against ${name}: ${r.errors} failed requests`);
  }
}

export interface LatencyFigures {
  samples: PerTarget<number>;
  errors: PerTarget<number>;
  /** percentiles in µs of the round trip */
  percentiles: PerTarget<{ p50: number; p90: number; p99: number }>;
  /** percentile of the target minus the same percentile of direct, µs */
  added: { floor: { p50: number; p90: number; p99: number }; gateway: { p50: number; p90: number; p99: number } };
}

export async function latencyPhase(driver: Driver, targets: Targets, plan: BenchPlan): Promise<LatencyFigures> {
  const micros = perTarget<number[]>(() => []);
  const errors = perTarget(() => 0);
  for (let trial = 0; trial < plan.latencyTrials; trial++) {
    for (const name of rotated(TARGET_NAMES, trial)) {
      const r = await driver.run<LatencyResult>({
        kind: 'latency',
        origin: targets.origin[name],
        count: plan.latencyRequestsPerTrial,
        bodyBytes: plan.bodyBytes,
      });
      micros[name].push(...r.micros);
      errors[name] += r.errors;
      await afterRun(targets, name, r.micros.length);
    }
  }
  const pct = (name: TargetName) => ({
    p50: percentile(micros[name], 50),
    p90: percentile(micros[name], 90),
    p99: percentile(micros[name], 99),
  });
  const percentiles = { direct: pct('direct'), floor: pct('floor'), gateway: pct('gateway') };
  const over = (name: 'floor' | 'gateway') => ({
    p50: round(percentiles[name].p50 - percentiles.direct.p50, 0),
    p90: round(percentiles[name].p90 - percentiles.direct.p90, 0),
    p99: round(percentiles[name].p99 - percentiles.direct.p99, 0),
  });
  const rounded = (p: { p50: number; p90: number; p99: number }) => ({
    p50: round(p.p50, 0),
    p90: round(p.p90, 0),
    p99: round(p.p99, 0),
  });
  return {
    samples: { direct: micros.direct.length, floor: micros.floor.length, gateway: micros.gateway.length },
    errors,
    percentiles: {
      direct: rounded(percentiles.direct),
      floor: rounded(percentiles.floor),
      gateway: rounded(percentiles.gateway),
    },
    added: { floor: over('floor'), gateway: over('gateway') },
  };
}

export interface StreamFigures {
  events_per_stream: PerTarget<number>;
  /** median time from sending the request to the first parsed event, ms */
  first_event_ms: PerTarget<number>;
  /** delivery delay of each event (client receive time minus upstream send time), ms */
  delivery_p50_ms: PerTarget<number>;
  delivery_max_ms: PerTarget<number>;
  /** median over trials of the largest delivery delay in a stream, ms */
  trial_max_median_ms: PerTarget<number>;
  added_first_event_ms: { floor: number; gateway: number };
  /** trial_max_median of the target minus that of direct, ms */
  added_largest_lag_ms: { floor: number; gateway: number };
}

export async function streamPhase(driver: Driver, targets: Targets, plan: BenchPlan): Promise<StreamFigures> {
  const first = perTarget<number[]>(() => []);
  const delivery = perTarget<number[]>(() => []);
  const trialMax = perTarget<number[]>(() => []);
  const events = perTarget<number[]>(() => []);
  for (let trial = 0; trial < plan.streamTrials; trial++) {
    const protocol: Protocol = trial % 2 === 0 ? 'anthropic' : 'openai';
    for (const name of rotated(TARGET_NAMES, trial)) {
      const r = await driver.run<StreamResult>({
        kind: 'stream',
        origin: targets.origin[name],
        protocol,
        deltas: plan.streamDeltas,
        intervalMs: plan.streamIntervalMs,
      });
      first[name].push(r.firstEventMs);
      delivery[name].push(...r.deliveryMs);
      trialMax[name].push(max(r.deliveryMs));
      events[name].push(r.events);
      await afterRun(targets, name, 1);
    }
  }
  const figure = (f: (name: TargetName) => number): PerTarget<number> => ({
    direct: round(f('direct'), 3),
    floor: round(f('floor'), 3),
    gateway: round(f('gateway'), 3),
  });
  const firstEvent = figure((n) => median(first[n]));
  const trialMaxMedian = figure((n) => median(trialMax[n]));
  return {
    events_per_stream: figure((n) => Math.min(...events[n])),
    first_event_ms: firstEvent,
    delivery_p50_ms: figure((n) => median(delivery[n])),
    delivery_max_ms: figure((n) => max(delivery[n])),
    trial_max_median_ms: trialMaxMedian,
    added_first_event_ms: {
      floor: round(firstEvent.floor - firstEvent.direct, 3),
      gateway: round(firstEvent.gateway - firstEvent.direct, 3),
    },
    added_largest_lag_ms: {
      floor: round(trialMaxMedian.floor - trialMaxMedian.direct, 3),
      gateway: round(trialMaxMedian.gateway - trialMaxMedian.direct, 3),
    },
  };
}

export interface ThroughputFigures {
  connections: number;
  rps: PerTarget<number>;
  errors: PerTarget<number>;
  gateway_vs_direct: number;
  gateway_vs_floor: number;
  floor_vs_direct: number;
  /** after the gateway's run: how long its writer took to store the backlog, ms */
  gateway_capture_lag_ms: number;
  /** exchanges sent through the gateway so far that are not in the database once the writer settled */
  gateway_missing_exchanges: number;
  /**
   * CPU per request, µs (from /proc, so independent of what else runs): the floor process;
   * the gateway's main thread (the proxy) and its other threads (writer, GC, thread pool),
   * the latter counted until the writer had stored the run's backlog
   */
  cpu_us_per_request: { floor: number; gateway_main: number; gateway_other: number };
  /**
   * CPU cores busy during the load window itself (not the backlog after it): the floor
   * process; the gateway's main thread, its niced writer thread, and its other threads
   */
  window_cores: { floor: number; gateway_main: number; gateway_writer: number; gateway_other: number };
}

export async function throughputPhase(driver: Driver, targets: Targets, plan: BenchPlan): Promise<ThroughputFigures[]> {
  const out: ThroughputFigures[] = [];
  for (const [i, connections] of plan.throughputConnections.entries()) {
    const rps = perTarget(() => 0);
    const errors = perTarget(() => 0);
    let lag = 0;
    let missing = 0;
    const cpu = { floor: 0, gateway_main: 0, gateway_other: 0 };
    const window = { floor: 0, gateway_main: 0, gateway_writer: 0, gateway_other: 0 };
    for (const name of rotated(TARGET_NAMES, i)) {
      const pid = name === 'floor' ? targets.floor.proc.pid! : targets.gatewayPid;
      const cpuBefore = readCpu(pid);
      const groupsBefore = readThreadGroupCpu(pid);
      const r = await driver.run<ThroughputResult>(
        {
          kind: 'throughput',
          origin: targets.origin[name],
          connections,
          durationMs: plan.throughputMs,
          bodyBytes: plan.bodyBytes,
        },
        plan.throughputMs + 60_000,
      );
      const groupsAfter = readThreadGroupCpu(pid);
      const cores = (key: 'mainMs' | 'nicedMs' | 'otherMs') =>
        round((groupsAfter[key] - groupsBefore[key]) / r.elapsedMs, 2);
      if (name === 'floor') window.floor = round(cores('mainMs') + cores('nicedMs') + cores('otherMs'), 2);
      if (name === 'gateway')
        Object.assign(window, {
          gateway_main: cores('mainMs'),
          gateway_writer: cores('nicedMs'),
          gateway_other: cores('otherMs'),
        });
      rps[name] = round(r.completed / (r.elapsedMs / 1000), 0);
      errors[name] = r.errors;
      const settled = await afterRun(targets, name, r.completed);
      lag += settled.waitedMs;
      if (name === 'gateway') missing = settled.missing;
      const used = cpuDelta(cpuBefore, readCpu(pid));
      if (name === 'floor') cpu.floor = round((used.totalMs * 1000) / r.completed, 0);
      if (name === 'gateway') {
        cpu.gateway_main = round((used.mainMs * 1000) / r.completed, 0);
        cpu.gateway_other = round(((used.totalMs - used.mainMs) * 1000) / r.completed, 0);
      }
    }
    out.push({
      connections,
      rps,
      errors,
      gateway_vs_direct: round(rps.gateway / rps.direct, 3),
      gateway_vs_floor: round(rps.gateway / rps.floor, 3),
      floor_vs_direct: round(rps.floor / rps.direct, 3),
      gateway_capture_lag_ms: lag,
      gateway_missing_exchanges: missing,
      cpu_us_per_request: cpu,
      window_cores: window,
    });
  }
  return out;
}

function cpuDelta(before: CpuSample, after: CpuSample): CpuSample {
  return { totalMs: after.totalMs - before.totalMs, mainMs: after.mainMs - before.mainMs };
}

export interface BigBodyFigures {
  bytes: number;
  ms: PerTarget<number>;
  upstream_received_all: boolean;
  gateway_rss_before_mb: number;
  gateway_peak_rss_mb: number;
  gateway_peak_growth_mb: number;
  /** VmHWM could be reset, so the kernel's own peak is comparable */
  gateway_hwm_mb: number | null;
}

export async function bigBodyPhase(driver: Driver, targets: Targets, plan: BenchPlan): Promise<BigBodyFigures> {
  const times = perTarget<number[]>(() => []);
  let receivedAll = true;
  let before = Number.POSITIVE_INFINITY;
  let peak = 0;
  let hwm: number | null = null;
  for (let trial = 0; trial < plan.bigBodyTrials; trial++) {
    for (const name of rotated(TARGET_NAMES, trial)) {
      const task = { kind: 'big-body' as const, origin: targets.origin[name], bytes: plan.bigBodyBytes };
      let r: BigBodyResult;
      if (name === 'gateway') {
        const pid = targets.gatewayPid;
        const reset = resetPeak(pid);
        const start = readMemory(pid).rssMb;
        const measured = await withPeakRss(pid, 5, () => driver.run<BigBodyResult>(task));
        r = measured.result;
        before = Math.min(before, start);
        peak = Math.max(peak, measured.peakRssMb);
        if (reset) hwm = Math.max(hwm ?? 0, readMemory(pid).hwmMb);
      } else {
        r = await driver.run<BigBodyResult>(task);
      }
      times[name].push(r.ms);
      receivedAll &&= r.status === 200 && r.upstreamReceivedBytes === plan.bigBodyBytes;
      await afterRun(targets, name, 1);
    }
  }
  return {
    bytes: plan.bigBodyBytes,
    ms: {
      direct: round(median(times.direct)),
      floor: round(median(times.floor)),
      gateway: round(median(times.gateway)),
    },
    upstream_received_all: receivedAll,
    gateway_rss_before_mb: round(before),
    gateway_peak_rss_mb: round(peak),
    gateway_peak_growth_mb: round(peak - before),
    gateway_hwm_mb: hwm === null ? null : round(hwm),
  };
}

export interface LeakFigures {
  requests: number;
  errors: number;
  rss_after_warmup_mb: number;
  rss_after_mb: number;
  growth_pct: number;
  /** RSS after each chunk (writer drained), MB: a leak climbs, a settling heap flattens */
  rss_series_mb: number[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Gateway RSS after a warm-up, then after `leakRequests` more, sent in chunks at the leak run's
 * concurrency with the writer drained after each chunk: what is left is what the gateway keeps,
 * not a capture backlog (the throughput phase shows the backlog).
 */
export async function leakPhase(driver: Driver, targets: Targets, plan: BenchPlan): Promise<LeakFigures> {
  const origin = targets.origin.gateway;
  const chunk = (count: number) =>
    driver.run<ThroughputResult>(
      { kind: 'requests', origin, count, connections: plan.leakConnections, bodyBytes: plan.bodyBytes },
      300_000,
    );
  const warm = await chunk(plan.leakWarmupRequests);
  await afterRun(targets, 'gateway', warm.completed);
  await sleep(1000);
  const after = readMemory(targets.gatewayPid).rssMb;
  let completed = 0;
  let errors = warm.errors;
  const series: number[] = [];
  for (let sent = 0; sent < plan.leakRequests; sent += plan.leakChunkRequests) {
    const r = await chunk(Math.min(plan.leakChunkRequests, plan.leakRequests - sent));
    completed += r.completed;
    errors += r.errors;
    await afterRun(targets, 'gateway', r.completed);
    series.push(round(readMemory(targets.gatewayPid).rssMb));
  }
  await sleep(1000);
  const end = readMemory(targets.gatewayPid).rssMb;
  return {
    requests: completed,
    errors,
    rss_after_warmup_mb: round(after),
    rss_after_mb: round(end),
    growth_pct: round(((end - after) / after) * 100),
    rss_series_mb: series,
  };
}
