/**
 * The daemon keeps `ai_model_prices` current: a full run shortly after start (every model name
 * in the history), then a check a minute (HYP_PRICE_REFRESH_MS overrides both delays). A run is
 * a short-lived worker thread (SQLite off the proxy's event loop); it costs a new isolate (about
 * 100 ms CPU and 20 MB RSS for a moment), so the minute's check spawns it only when needed:
 * the config file changed (its `prices` may have), or rows written since the last check (read by
 * rowid on this thread: none on an idle daemon) bring a provider/model the table lacks. Sooner
 * for a model seen for the first time: the writer reports the models of the usage rows it wrote
 * (`modelsWritten`), and a pair this daemon has not priced yet brings the next run forward to
 * NEW_MODEL_DELAY_MS (so `hyp ui` shows a new model's cost within seconds, not a minute).
 * Results and failures go to the log, nothing here can stop the daemon.
 */
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { errorMessage, type ActivationContext } from '@hypaware/core';
import { lastMessageRowid, newModelPairs } from './new-model-pairs.js';
import type { ModelPair } from './model-prices-table.js';
import type { PriceRefreshJob, PriceRefreshOutcome } from './price-refresh-worker.js';

const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_FIRST_DELAY_MS = 2_000;
/** A model this daemon has not priced yet: the next run starts this soon. */
const NEW_MODEL_DELAY_MS = 1_000;
/** Pairs remembered as handled (a bound: model names are few; past it they are checked again). */
const MAX_KNOWN_PAIRS = 4096;

const pairKey = (p: ModelPair) => `${p.provider}\u0000${p.model}`;

function runInWorker(job: PriceRefreshJob): Promise<PriceRefreshOutcome> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./price-refresh-worker.js', import.meta.url), { workerData: job });
    let outcome: PriceRefreshOutcome | undefined;
    worker.once('message', (o: PriceRefreshOutcome) => (outcome = o));
    worker.once('error', (err) => (outcome = { ok: false, error: err.message }));
    worker.once('exit', (code) => resolve(outcome ?? { ok: false, error: `price worker exited with code ${code}` }));
  });
}

function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

/** The config file as it is now (a change may be an edited `prices`). */
function fileStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'absent';
  }
}

/** What the next run does: the job for the worker and the watermark to keep once it succeeded; undefined: nothing to do. */
interface Plan {
  job: PriceRefreshJob;
  /** rowid of the messages table checked up to */
  upTo: number | undefined;
  configStamp: string;
  /** pairs the writer reported that this run covers (remembered as tried, whatever the outcome) */
  reported?: ModelPair[];
}

export interface PriceRefreshHandle {
  /** the writer wrote usage rows of these models */
  modelsWritten(models: ModelPair[]): void;
}

export function startPriceRefresh(ctx: ActivationContext): PriceRefreshHandle {
  const fromEnv = Number(ctx.env.HYP_PRICE_REFRESH_MS);
  const custom = Number.isInteger(fromEnv) && fromEnv > 0;
  const intervalMs = custom ? fromEnv : DEFAULT_INTERVAL_MS;
  let fullDone = false;
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  /** messages rowid checked up to, and the config file, as of the last successful run */
  let checkedUpTo: number | undefined;
  let configSeen: string | undefined;
  let checkFailed = false;
  /** pairs a run has priced (or found unpriced) in this daemon; and new ones waiting for a run */
  const known = new Set<string>();
  const reported = new Map<string, ModelPair>();

  const scheduledPlan = (): Plan | undefined => {
    const job: PriceRefreshJob = { hypHome: ctx.paths.hypHome, configPath: ctx.configPath, env: { ...ctx.env } };
    const configStamp = fileStamp(ctx.configPath);
    let upTo: number | undefined;
    if (!fullDone) {
      try {
        upTo = lastMessageRowid(ctx.storage.database());
      } catch {
        // no table yet: the worker waits for it, the next check reads from the start
      }
      return { job, upTo, configStamp };
    }
    try {
      const check = newModelPairs(ctx.storage.database(), checkedUpTo ?? 0);
      upTo = check.upTo;
      if ('tooMany' in check) return { job: { ...job, since: yesterday() }, upTo, configStamp };
      if (check.pairs.length === 0 && configStamp === configSeen) {
        checkedUpTo = upTo;
        return undefined;
      }
      return { job: { ...job, pairs: check.pairs }, upTo, configStamp };
    } catch (err) {
      // a locked or damaged database: the worker decides (as before the check existed)
      if (!checkFailed) ctx.log.warn('aigw.prices_check_failed', { error: errorMessage(err) });
      checkFailed = true;
      return { job: { ...job, since: yesterday() }, upTo, configStamp };
    }
  };

  /** The scheduled plan, with the pairs the writer reported that no run has handled yet. */
  const plan = (): Plan | undefined => {
    const next = scheduledPlan();
    const extra = [...reported.values()];
    reported.clear();
    if (extra.length === 0) return next;
    // a full or since-yesterday run covers them
    if (next && next.job.pairs === undefined) return { ...next, reported: extra };
    const job: PriceRefreshJob = next?.job ?? {
      hypHome: ctx.paths.hypHome,
      configPath: ctx.configPath,
      env: { ...ctx.env },
    };
    const pairs = new Map<string, ModelPair>();
    for (const p of [...(next?.job.pairs ?? []), ...extra]) pairs.set(pairKey(p), p);
    return {
      job: { ...job, pairs: [...pairs.values()] },
      upTo: next?.upTo ?? checkedUpTo,
      configStamp: next?.configStamp ?? configSeen ?? fileStamp(ctx.configPath),
      reported: extra,
    };
  };

  const runOnce = async (): Promise<void> => {
    const next = plan();
    if (!next) return;
    const o = await runInWorker(next.job);
    // tried once, whatever the outcome: a failing run is not started again for every batch (the minute's check retries)
    if (known.size > MAX_KNOWN_PAIRS) known.clear();
    for (const p of [...(next.job.pairs ?? []), ...(next.reported ?? [])]) known.add(pairKey(p));
    if (!o.ok) {
      ctx.log.warn('aigw.prices_refresh_failed', { error: o.error });
      return;
    }
    if ('waiting' in o) return;
    fullDone = true;
    checkedUpTo = next.upTo ?? checkedUpTo;
    configSeen = next.configStamp;
    if (o.changed || o.dropped_indexes.length > 0)
      ctx.log.info('aigw.prices_refreshed', {
        models: o.models,
        unpriced: o.unpriced.join(','),
        ...(o.dropped_indexes.length > 0 ? { dropped_indexes: o.dropped_indexes.join(',') } : {}),
      });
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce().finally(() => {
        running = undefined;
        schedule(reported.size > 0 ? Math.min(NEW_MODEL_DELAY_MS, intervalMs) : intervalMs);
      });
    }, delay);
    timer.unref();
  };
  schedule(custom ? fromEnv : DEFAULT_FIRST_DELAY_MS);
  ctx.onShutdown(async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  });
  return {
    modelsWritten(models) {
      let fresh = false;
      for (const m of models) {
        const key = pairKey(m);
        if (known.has(key) || reported.has(key)) continue;
        reported.set(key, m);
        fresh = true;
      }
      // a run in progress, or one already due as soon: the waiting pairs join the next plan
      if (!fresh || stopped || running || !timer) return;
      clearTimeout(timer);
      schedule(Math.min(NEW_MODEL_DELAY_MS, intervalMs));
    },
  };
}
