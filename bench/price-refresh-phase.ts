/**
 * What the daemon's price refresh (history/price-refresh-schedule.ts) costs an idle daemon: a
 * daemon over a few thousand synthetic rows runs the refresh every `intervalMs` for a window;
 * a second one over the same database with the refresh pushed out of the window is the control.
 * Per tick: the extra CPU of the daemon (all threads, and the main thread) and the worker
 * threads started; the daemon's RSS peak above its level at the window's start (sampled every
 * few ms). From /proc, so Linux only.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startDaemon, type DaemonHandle } from '../harness/daemon.js';
import { readCpu, readMemory } from '../harness/proc-usage.js';
import { tempDir } from '../harness/repo.js';
import { lastMessageRowid, newModelPairs } from '@hypaware/ai-gateway/internal/history/new-model-pairs.js';
import { median, round } from './stats.js';
import { fillSyntheticHistory } from './synthetic-history.js';

export interface PriceRefreshRun {
  /** HYP_PRICE_REFRESH_MS of the daemon */
  interval_ms: number;
  window_s: number;
  /** daemon CPU over the window, ms (all threads / main thread) */
  cpu_ms: number;
  main_cpu_ms: number;
  /** threads that appeared and ended during the window (a refresh worker each) */
  threads_started: number;
  rss_start_mb: number;
  rss_peak_mb: number;
  rss_end_mb: number;
}

export interface PriceRefreshFigures {
  rows: number;
  refreshing: PriceRefreshRun;
  control: PriceRefreshRun;
  /** refresh ticks in the window (window / interval) */
  ticks: number;
  /** (refreshing - control) CPU per tick, ms */
  cpu_ms_per_tick: number;
  main_cpu_ms_per_tick: number;
  /** the same per worker thread started (null: none started) */
  cpu_ms_per_worker: number | null;
  /** the refreshing daemon's RSS peak above its window start, less the control's, MB */
  rss_peak_delta_mb: number;
  /** the main thread's check on an idle database (new-model-pairs.ts and the config stat), median of 1000, µs */
  idle_check_us: number;
}

const FAR_MS = 3_600_000;
const SAMPLE_MS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function threadIds(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

async function measure(daemon: DaemonHandle, intervalMs: number, windowMs: number): Promise<PriceRefreshRun> {
  const pid = daemon.proc.pid!;
  const known = new Set(threadIds(pid));
  const started = new Set<string>();
  const rssStart = readMemory(pid).rssMb;
  let peak = rssStart;
  const cpu0 = readCpu(pid);
  const end = Date.now() + windowMs;
  while (Date.now() < end) {
    for (const tid of threadIds(pid)) if (!known.has(tid)) started.add(tid);
    peak = Math.max(peak, readMemory(pid).rssMb);
    await sleep(SAMPLE_MS);
  }
  const cpu1 = readCpu(pid);
  const alive = new Set(threadIds(pid));
  return {
    interval_ms: intervalMs,
    window_s: windowMs / 1000,
    cpu_ms: cpu1.totalMs - cpu0.totalMs,
    main_cpu_ms: cpu1.mainMs - cpu0.mainMs,
    threads_started: [...started].filter((t) => !alive.has(t)).length,
    rss_start_mb: round(rssStart),
    rss_peak_mb: round(peak),
    rss_end_mb: round(readMemory(pid).rssMb),
  };
}

async function run(hypHome: string, intervalMs: number, windowMs: number): Promise<PriceRefreshRun> {
  const daemon = await startDaemon({ hypHome, env: { HYP_PRICE_REFRESH_MS: String(intervalMs) } });
  try {
    // past the start (and the first, full refresh) before the window opens
    await sleep(Math.min(intervalMs, 5000) + 3000);
    return await measure(daemon, intervalMs, windowMs);
  } finally {
    await daemon.stop();
  }
}

/** What one idle tick does on the main thread now: stat the config, read the rows after the watermark. */
function idleCheckUs(hypHome: string): number {
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  try {
    const last = lastMessageRowid(db);
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t0 = process.hrtime.bigint();
      statSync(join(hypHome, 'hypaware-config.json'));
      newModelPairs(db, last);
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    return round(median(times), 1);
  } finally {
    db.close();
  }
}

export async function priceRefreshPhase(options: {
  rows: number;
  intervalMs: number;
  windowMs: number;
}): Promise<PriceRefreshFigures> {
  const hypHome = tempDir('hyp-bench-prices-');
  const setup = await startDaemon({ hypHome, env: { HYP_PRICE_REFRESH_MS: String(FAR_MS) } });
  (await setup.waitForDb()).close();
  await setup.stop();
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'));
  try {
    fillSyntheticHistory(db, { rows: options.rows, days: 3 });
  } finally {
    db.close();
  }
  const refreshing = await run(hypHome, options.intervalMs, options.windowMs);
  const control = await run(hypHome, FAR_MS, options.windowMs);
  const ticks = Math.floor(options.windowMs / options.intervalMs);
  return {
    rows: options.rows,
    refreshing,
    control,
    ticks,
    cpu_ms_per_tick: round((refreshing.cpu_ms - control.cpu_ms) / ticks, 2),
    cpu_ms_per_worker:
      refreshing.threads_started > 0
        ? round((refreshing.cpu_ms - control.cpu_ms) / refreshing.threads_started, 1)
        : null,
    main_cpu_ms_per_tick: round((refreshing.main_cpu_ms - control.main_cpu_ms) / ticks, 2),
    rss_peak_delta_mb: round(
      refreshing.rss_peak_mb - refreshing.rss_start_mb - (control.rss_peak_mb - control.rss_start_mb),
    ),
    idle_check_us: idleCheckUs(hypHome),
  };
}
