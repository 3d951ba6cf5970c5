/**
 * The daemon keeps `ai_model_prices` current: a run shortly after start (every model name in
 * the history), then one a minute (names seen since yesterday; HYP_PRICE_REFRESH_MS overrides
 * both delays). Each run is a short-lived worker thread; results and failures go to the log,
 * nothing here can stop the daemon.
 */
import { Worker } from 'node:worker_threads';
import type { ActivationContext } from '@hypaware/core';
import type { PriceRefreshJob, PriceRefreshOutcome } from './price-refresh-worker.js';

const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_FIRST_DELAY_MS = 2_000;

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

export function startPriceRefresh(ctx: ActivationContext): void {
  const fromEnv = Number(ctx.env.HYP_PRICE_REFRESH_MS);
  const custom = Number.isInteger(fromEnv) && fromEnv > 0;
  const intervalMs = custom ? fromEnv : DEFAULT_INTERVAL_MS;
  let fullDone = false;
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const runOnce = async (): Promise<void> => {
    const job: PriceRefreshJob = {
      hypHome: ctx.paths.hypHome,
      configPath: ctx.configPath,
      env: { ...ctx.env },
      ...(fullDone ? { since: yesterday() } : {}),
    };
    const o = await runInWorker(job);
    if (!o.ok) {
      ctx.log.warn('aigw.prices_refresh_failed', { error: o.error });
      return;
    }
    if ('waiting' in o) return;
    fullDone = true;
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
      running = runOnce().finally(() => schedule(intervalMs));
    }, delay);
    timer.unref();
  };
  schedule(custom ? fromEnv : DEFAULT_FIRST_DELAY_MS);
  ctx.onShutdown(async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  });
}
