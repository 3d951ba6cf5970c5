import { Worker } from 'node:worker_threads';
import type { Kernel } from '../kernel/boot.js';
import { errorMessage } from '../errors.js';
import { busyTimeoutMs } from '../storage/database.js';
import { loadConfig } from '../config/config-file.js';
import type { PruneResult } from './prune.js';
import { retentionPlan } from './retention-policy.js';
import type { RetentionJob } from './retention-worker.js';

export interface RetentionSchedule {
  /** run once now (waits for a run already in progress first) */
  runNow(): Promise<PruneResult[]>;
  /** stop the timer and wait for a run in progress */
  stop(): Promise<void>;
}

/** Rows one daemon run may delete per dataset: small, the schedule comes back soon. */
const DAEMON_MAX_ROWS = 20_000;

function runInWorker(job: RetentionJob): Promise<PruneResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./retention-worker.js', import.meta.url), { workerData: job });
    let result: PruneResult[] | undefined;
    worker.once('message', (r: PruneResult[]) => {
      result = r;
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`retention worker exited with code ${code}`)),
    );
  });
}

/**
 * The daemon's retention, the only pruner: applies each dataset's declared retention on a timer
 * (first run a minute after start, then every 10 minutes; HYP_RETENTION_INTERVAL_MS overrides
 * both), each run in a worker thread with bounded work. Results and failures go to the log;
 * nothing here can stop the daemon.
 */
export function startRetentionSchedule(kernel: Kernel, env: NodeJS.ProcessEnv = process.env): RetentionSchedule {
  const fromEnv = Number(env.HYP_RETENTION_INTERVAL_MS);
  const intervalMs = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 600_000;
  const firstDelayMs = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 60_000;
  let running: Promise<PruneResult[]> | undefined;
  let stopped = false;

  const runOnce = async (): Promise<PruneResult[]> => {
    // The file is read each run, so a changed retention applies without a restart;
    // kernel.database() also makes the tables exist before the worker looks.
    const { targets } = retentionPlan(
      kernel.datasets,
      kernel.database(),
      loadConfig(kernel.layout.configPath),
      kernel.retentionHolds,
    );
    if (targets.length === 0) return [];
    const results = await runInWorker({
      databasePath: kernel.layout.databasePath,
      targets,
      limits: { maxRows: DAEMON_MAX_ROWS },
      busyTimeoutMs: busyTimeoutMs(env),
    });
    for (const r of results) {
      if (r.held > 0)
        kernel.log.warn('retention.held', {
          dataset: r.dataset,
          held: r.held,
          reason: r.held_reason ?? '',
          message: 'expired rows kept until the plugin holding them releases them',
        });
      if (r.deleted > 0 || r.remaining > 0)
        kernel.log.info('retention.pruned', {
          dataset: r.dataset,
          keep_days: r.keep_days,
          cutoff: r.cutoff,
          deleted: r.deleted,
          remaining: r.remaining,
        });
    }
    return results;
  };
  const tick = (): Promise<PruneResult[]> => {
    running ??= runOnce()
      .catch((err: unknown) => {
        kernel.log.error('retention.failed', { error: errorMessage(err) });
        return [];
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  let timer: NodeJS.Timeout = setTimeout(function again() {
    void tick().then(() => {
      if (!stopped) timer = setTimeout(again, intervalMs);
    });
  }, firstDelayMs);
  timer.unref();

  return {
    runNow: async () => {
      await running;
      return tick();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
