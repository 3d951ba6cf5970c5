/**
 * The proxy measurements: each compares the four targets in the same run, trial by trial
 * with the order rotated, and returns raw-enough figures for the report.
 */
import type { BenchPlan } from './bench-plan.js';
import type { Driver } from './child-processes.js';
import type { BigBodyResult, LatencyResult, StreamResult, ThroughputResult } from './load-tasks.js';
import {
  readMemory,
  readThreadGroupCpu,
  residentByKind,
  resetPeak,
  withPeakRss,
  type ThreadGroupCpu,
} from '../harness/proc-usage.js';
import { max, median, percentile, rotated, round } from './stats.js';
import { proxyPid, TARGET_NAMES, type ProxyName, type TargetName, type Targets } from './targets.js';
import { waitForWriter } from './capture-phase.js';
import { DEFAULT_WRITER_PARK_AFTER_MS } from '@hypaware/ai-gateway/internal/config.js';
import type { Protocol } from '../harness/protocol-samples.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type PerTarget<T> = Record<TargetName, T>;
type PerProxy<T> = Record<ProxyName, T>;

function perTarget<T>(make: () => T): PerTarget<T> {
  return { direct: make(), floor: make(), minimal: make(), gateway: make() };
}

function perProxy<T>(make: (name: ProxyName) => T): PerProxy<T> {
  return { floor: make('floor'), minimal: make('minimal'), gateway: make('gateway') };
}

/**
 * Count what went through the gateway and wait until its writer has stored it, so the next
 * run (of any target) does not share the CPU with a capture backlog. Returns the wait in ms.
 */
async function afterRun(
  targets: Targets,
  name: TargetName,
  completed: number,
): Promise<{ waitedMs: number; missing: number; caughtUp: number }> {
  if (name !== 'gateway') return { waitedMs: 0, missing: 0, caughtUp: 0 };
  targets.gatewayRequests += completed;
  const settled = await waitForWriter(targets);
  return {
    waitedMs: settled.waitedMs,
    missing: targets.gatewayRequests - settled.exchanges,
    caughtUp: settled.exchanges - settled.exchangesAtStart,
  };
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
  added: PerProxy<{ p50: number; p90: number; p99: number }>;
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
  const percentiles = { direct: pct('direct'), ...perProxy(pct) };
  const over = (name: ProxyName) => ({
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
    samples: { direct: micros.direct.length, ...perProxy((n) => micros[n].length) },
    errors,
    percentiles: { direct: rounded(percentiles.direct), ...perProxy((n) => rounded(percentiles[n])) },
    added: perProxy(over),
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
  added_first_event_ms: PerProxy<number>;
  /** trial_max_median of the target minus that of direct, ms */
  added_largest_lag_ms: PerProxy<number>;
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
    ...perProxy((n) => round(f(n), 3)),
  });
  const firstEvent = figure((n) => median(first[n]));
  const trialMaxMedian = figure((n) => median(trialMax[n]));
  return {
    events_per_stream: figure((n) => Math.min(...events[n])),
    first_event_ms: firstEvent,
    delivery_p50_ms: figure((n) => median(delivery[n])),
    delivery_max_ms: figure((n) => max(delivery[n])),
    trial_max_median_ms: trialMaxMedian,
    added_first_event_ms: perProxy((n) => round(firstEvent[n] - firstEvent.direct, 3)),
    added_largest_lag_ms: perProxy((n) => round(trialMaxMedian[n] - trialMaxMedian.direct, 3)),
  };
}

/** CPU per 1,000 requests, ms (= µs per request), by thread group */
export interface CpuPerThousand {
  /** the main thread (the event loop: for the gateway, the proxy) */
  main: number;
  /** threads at a positive nice value: the gateway's writer */
  writer: number;
  /** every other thread: V8's GC and compiler pool, libuv's thread pool */
  other: number;
  total: number;
}

export interface ThroughputFigures {
  connections: number;
  rps: PerTarget<number>;
  errors: PerTarget<number>;
  gateway_vs_direct: number;
  gateway_vs_floor: number;
  gateway_vs_minimal: number;
  floor_vs_direct: number;
  /** after the gateway's run: how long its writer took to store the backlog, ms */
  gateway_capture_lag_ms: number;
  /** exchanges sent through the gateway so far that are not in the database once the writer settled */
  gateway_missing_exchanges: number;
  /** the backlog the writer still had when the load stopped */
  gateway_backlog_exchanges: number;
  /** the writer's rate while it caught up on that backlog (null: no backlog to time) */
  writer_exchanges_per_s: number | null;
  /**
   * CPU per 1,000 requests from /proc (independent of what else runs), counted until the
   * gateway's writer had stored the run's backlog
   */
  cpu_ms_per_1000: PerProxy<CpuPerThousand>;
  /** total CPU per 1,000 requests of the gateway over that of the minimal proxy */
  gateway_cpu_vs_minimal: number;
  /** CPU cores busy during the load window itself (not the backlog after it), by thread group */
  window_cores: PerProxy<{ main: number; writer: number; other: number }>;
  /** median resident memory sampled during the load window, MB */
  steady_rss_mb: PerProxy<number>;
  /** gateway RSS 1 s after its writer stored the backlog, MB */
  gateway_idle_rss_mb: number;
  /**
   * gateway RSS once its idle writer thread was parked (the default writer_park_after_ms after the last
   * batch, plus 5 s), MB; measured after the last connection count only (null before it)
   */
  gateway_parked_rss_mb: number | null;
  /** that RSS by kind of mapping (harness/proc-usage.ts residentByKind), MB */
  gateway_parked_rss_by_kind: Record<string, number> | null;
}

const RSS_SAMPLE_MS = 200;

/** Median RSS of `pid` while `work` runs, sampled every RSS_SAMPLE_MS. */
async function withSteadyRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; rssMb: number }> {
  const samples: number[] = [];
  const timer = setInterval(() => {
    try {
      samples.push(readMemory(pid).rssMb);
    } catch {
      /* process gone */
    }
  }, RSS_SAMPLE_MS);
  try {
    const result = await work();
    return { result, rssMb: round(median(samples.length > 0 ? samples : [readMemory(pid).rssMb])) };
  } finally {
    clearInterval(timer);
  }
}

function groupDelta(before: ThreadGroupCpu, after: ThreadGroupCpu): ThreadGroupCpu {
  return {
    mainMs: after.mainMs - before.mainMs,
    nicedMs: after.nicedMs - before.nicedMs,
    otherMs: after.otherMs - before.otherMs,
  };
}

function perThousand(used: ThreadGroupCpu, requests: number): CpuPerThousand {
  const per = (ms: number) => round((ms * 1000) / Math.max(1, requests), 0);
  return {
    main: per(used.mainMs),
    writer: per(used.nicedMs),
    other: per(used.otherMs),
    total: per(used.mainMs + used.nicedMs + used.otherMs),
  };
}

export async function throughputPhase(driver: Driver, targets: Targets, plan: BenchPlan): Promise<ThroughputFigures[]> {
  const out: ThroughputFigures[] = [];
  for (const [i, connections] of plan.throughputConnections.entries()) {
    const rps = perTarget(() => 0);
    const errors = perTarget(() => 0);
    let lag = 0;
    let missing = 0;
    let backlog = 0;
    let writerRate: number | null = null;
    let idleRss = 0;
    let parkedRss: number | null = null;
    let parkedKinds: Record<string, number> | null = null;
    const cpu = perProxy((): CpuPerThousand => ({ main: 0, writer: 0, other: 0, total: 0 }));
    const window = perProxy(() => ({ main: 0, writer: 0, other: 0 }));
    const steadyRss = perProxy(() => 0);
    for (const name of rotated(TARGET_NAMES, i)) {
      const pid = name === 'direct' ? undefined : proxyPid(targets, name);
      const groupsBefore = pid === undefined ? undefined : readThreadGroupCpu(pid);
      const task = {
        kind: 'throughput' as const,
        origin: targets.origin[name],
        connections,
        durationMs: plan.throughputMs,
        bodyBytes: plan.bodyBytes,
      };
      const run = () => driver.run<ThroughputResult>(task, plan.throughputMs + 60_000);
      const measured = pid === undefined ? { result: await run(), rssMb: 0 } : await withSteadyRss(pid, run);
      const r = measured.result;
      rps[name] = round(r.completed / (r.elapsedMs / 1000), 0);
      errors[name] = r.errors;
      if (name === 'direct' || pid === undefined || groupsBefore === undefined) {
        await afterRun(targets, name, r.completed);
        continue;
      }
      steadyRss[name] = measured.rssMb;
      const loadWindow = groupDelta(groupsBefore, readThreadGroupCpu(pid));
      const cores = (ms: number) => round(ms / r.elapsedMs, 2);
      window[name] = {
        main: cores(loadWindow.mainMs),
        writer: cores(loadWindow.nicedMs),
        other: cores(loadWindow.otherMs),
      };
      const settled = await afterRun(targets, name, r.completed);
      cpu[name] = perThousand(groupDelta(groupsBefore, readThreadGroupCpu(pid)), r.completed);
      if (name === 'gateway') {
        lag = settled.waitedMs;
        missing = settled.missing;
        backlog = settled.caughtUp;
        writerRate =
          settled.caughtUp > 0 && settled.waitedMs > 0 ? round(settled.caughtUp / (settled.waitedMs / 1000), 0) : null;
        await sleep(1000);
        idleRss = round(readMemory(pid).rssMb);
        if (i === plan.throughputConnections.length - 1) {
          await sleep(DEFAULT_WRITER_PARK_AFTER_MS + 4000);
          parkedRss = round(readMemory(pid).rssMb);
          parkedKinds = residentByKind(pid);
        }
      }
    }
    out.push({
      connections,
      rps,
      errors,
      gateway_vs_direct: round(rps.gateway / rps.direct, 3),
      gateway_vs_floor: round(rps.gateway / rps.floor, 3),
      gateway_vs_minimal: round(rps.gateway / rps.minimal, 3),
      floor_vs_direct: round(rps.floor / rps.direct, 3),
      gateway_capture_lag_ms: lag,
      gateway_missing_exchanges: missing,
      gateway_backlog_exchanges: backlog,
      writer_exchanges_per_s: writerRate,
      cpu_ms_per_1000: cpu,
      gateway_cpu_vs_minimal: round(cpu.gateway.total / Math.max(1, cpu.minimal.total), 2),
      window_cores: window,
      steady_rss_mb: steadyRss,
      gateway_idle_rss_mb: idleRss,
      gateway_parked_rss_mb: parkedRss,
      gateway_parked_rss_by_kind: parkedKinds,
    });
  }
  return out;
}

export interface BigBodyFigures {
  bytes: number;
  ms: PerTarget<number>;
  upstream_received_all: boolean;
  /** RSS before the largest trial and the highest RSS sampled (every 5 ms) during a trial, MB */
  rss_before_mb: PerProxy<number>;
  peak_rss_mb: PerProxy<number>;
  gateway_peak_growth_mb: number;
  /** VmHWM could be reset, so the kernel's own peak is comparable */
  gateway_hwm_mb: number | null;
}

export async function bigBodyPhase(driver: Driver, targets: Targets, plan: BenchPlan): Promise<BigBodyFigures> {
  const times = perTarget<number[]>(() => []);
  let receivedAll = true;
  const before = perProxy(() => Number.POSITIVE_INFINITY);
  const peak = perProxy(() => 0);
  let hwm: number | null = null;
  for (let trial = 0; trial < plan.bigBodyTrials; trial++) {
    for (const name of rotated(TARGET_NAMES, trial)) {
      const task = { kind: 'big-body' as const, origin: targets.origin[name], bytes: plan.bigBodyBytes };
      let r: BigBodyResult;
      if (name !== 'direct') {
        const pid = proxyPid(targets, name);
        const reset = name === 'gateway' && resetPeak(pid);
        const start = readMemory(pid).rssMb;
        const measured = await withPeakRss(pid, 5, () => driver.run<BigBodyResult>(task));
        r = measured.result;
        before[name] = Math.min(before[name], start);
        peak[name] = Math.max(peak[name], measured.peakRssMb);
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
    ms: { direct: round(median(times.direct)), ...perProxy((n) => round(median(times[n]))) },
    upstream_received_all: receivedAll,
    rss_before_mb: perProxy((n) => round(before[n])),
    peak_rss_mb: perProxy((n) => round(peak[n])),
    gateway_peak_growth_mb: round(peak.gateway - before.gateway),
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
