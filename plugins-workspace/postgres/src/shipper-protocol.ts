/** Messages between the daemon's main thread and the shipper's worker thread. */
import type { CostSql } from '@hypaware/ai-gateway';
import type { DatasetSpec } from '@hypaware/core';
import type { PostgresConfig } from './config.js';
import type { MachineIdentity } from './identity.js';
import type { ShipperStatus } from './shipper.js';

export interface ShipperWorkerData {
  hypHome: string;
  stateDir: string;
  config: PostgresConfig;
  specs: DatasetSpec[];
  /** the gateway's cost rule (strings: they cross to the worker) */
  costSql?: CostSql;
  identity: MachineIdentity;
  version: string;
  plugin: string;
  env: Record<string, string>;
}

export type ToWorker = { type: 'reload'; config: PostgresConfig } | { type: 'refresh' } | { type: 'stop' };

export type FromWorker = { type: 'status'; status: ShipperStatus } | { type: 'stopped' };
