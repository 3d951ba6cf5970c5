/**
 * The daemon's `postgres-shipper` source: runs the shipper in a worker thread, relays its status
 * to the daemon status file (and so `hyp status`), passes SIGHUP on (a new slice reconnects with
 * it; the same slice retries now, reading the password file again), and restarts the worker if
 * it dies.
 */
import { Worker } from 'node:worker_threads';
import type { CostSql } from '@hypaware/ai-gateway';
import {
  errorMessage,
  type ActivationContext,
  type JsonObject,
  type SourceSpec,
  type SourceStatus,
} from '@hypaware/core';
import { describeTarget, parseConfig } from './config.js';
import { ensureIdentity } from './identity.js';
import type { FromWorker, ShipperWorkerData, ToWorker } from './shipper-protocol.js';
import type { ShipperStatus } from './shipper.js';

export const SOURCE_NAME = 'postgres-shipper';
const RESTART_DELAY_MS = 5000;

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** `costSql`: the gateway's cost rule, for `cost_usd` in the replica's views. */
export function shipperSource(ctx: ActivationContext, costSql?: CostSql): SourceSpec {
  return {
    name: SOURCE_NAME,
    async start() {
      const config = parseConfig(ctx.config, ctx.env);
      if (!config) throw new Error('plugins.@hypaware/postgres.url is not set');
      const identity = ensureIdentity(ctx.paths.stateDir, ctx.env);
      // the tables (the tombstones' too) exist before the worker's connection looks
      ctx.storage.database();
      let current = config;
      let last: ShipperStatus | undefined;
      let crashed: string | undefined;
      let stopping = false;
      let worker: Worker;
      let restartTimer: NodeJS.Timeout | undefined;

      const spawn = () => {
        const data: ShipperWorkerData = {
          hypHome: ctx.paths.hypHome,
          stateDir: ctx.paths.stateDir,
          config: current,
          specs: ctx.storage.datasets(),
          ...(costSql ? { costSql: { priceMatch: costSql.priceMatch, costUsd: costSql.costUsd } } : {}),
          identity,
          version: ctx.plugin.version,
          plugin: ctx.plugin.name,
          env: stringEnv(ctx.env),
        };
        const w = new Worker(new URL('./shipper-worker.js', import.meta.url), { workerData: data });
        w.on('message', (m: FromWorker) => {
          if (m.type === 'status') {
            last = m.status;
            crashed = undefined;
          }
        });
        w.on('error', (err) => {
          crashed = errorMessage(err);
          ctx.log.error('postgres.worker_failed', { error: crashed, restart_in_ms: RESTART_DELAY_MS });
        });
        w.on('exit', () => {
          if (stopping || w !== worker) return;
          restartTimer = setTimeout(() => {
            if (!stopping) worker = spawn();
          }, RESTART_DELAY_MS);
          restartTimer.unref();
        });
        return w;
      };
      worker = spawn();
      const send = (message: ToWorker) => worker.postMessage(message);
      ctx.log.info('postgres.shipping', {
        target: describeTarget(config),
        schema: config.schema,
        machine_id: identity.machine_id,
        user_name: identity.user_name,
      });

      return {
        async stop() {
          stopping = true;
          clearTimeout(restartTimer);
          const w = worker;
          const exited = new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
          });
          const timer = setTimeout(() => void w.terminate(), 10_000);
          send({ type: 'stop' });
          await exited;
          clearTimeout(timer);
        },
        async reload(slice: JsonObject) {
          const next = parseConfig(slice, ctx.env);
          if (!next) throw new Error('plugins.@hypaware/postgres.url was removed: restart the daemon to stop shipping');
          current = next;
          send({ type: 'reload', config: next });
        },
        async refresh() {
          send({ type: 'refresh' });
        },
        status(): SourceStatus {
          if (crashed) return { state: 'degraded', message: `shipper thread failed: ${crashed}; restarting` };
          if (!last) return { state: 'starting' };
          const error = last.state === 'failing' ? last.last_error : undefined;
          return {
            state: error ? 'degraded' : 'running',
            message: error ? `${error.message} (repair: ${error.repair})` : `shipping to ${last.target}`,
            details: last as unknown as JsonObject,
          };
        },
      };
    },
  };
}
