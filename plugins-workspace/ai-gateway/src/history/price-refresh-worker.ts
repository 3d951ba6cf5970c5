/**
 * One run of the daemon's price refresh in a worker thread, so the proxy's event loop never
 * waits on SQLite: re-read the config's `prices`, price the model names given (`pairs`) or
 * seen since `since` (all of them on the first run, which also drops superseded indexes), write
 * what changed.
 * workerData: PriceRefreshJob; posts PriceRefreshOutcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { errorMessage, workerServices } from '@hypaware/core';
import { readPriceOverrides } from './config-prices.js';
import { MESSAGES_DATASET } from '../datasets.js';
import { PRICES_DATASET, refreshModelPrices, type ModelPair, type PriceRefresh } from './model-prices-table.js';
import { dropSupersededIndexes } from './superseded-indexes.js';

export interface PriceRefreshJob {
  hypHome: string;
  configPath: string;
  env: Record<string, string | undefined>;
  /** UTC date: only rows of this date or later are scanned for new model names; absent: everything */
  since?: string;
  /** the new model names, found by the daemon's check (no scan); the listed ones are re-priced too */
  pairs?: ModelPair[];
}

export type PriceRefreshOutcome =
  ({ ok: true; dropped_indexes: string[] } & PriceRefresh) | { ok: true; waiting: true } | { ok: false; error: string };

const TABLES = [MESSAGES_DATASET, PRICES_DATASET];

const job = workerData as PriceRefreshJob;
const services = workerServices({ hypHome: job.hypHome, role: 'model-prices', env: job.env });
let outcome: PriceRefreshOutcome;
try {
  const db = services.openDatabase<Database.Database>();
  try {
    const present = TABLES.filter((t) =>
      db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t),
    );
    if (present.length < TABLES.length) {
      outcome = { ok: true, waiting: true }; // the gateway has not created its tables yet: next run
    } else {
      const full = job.since === undefined && job.pairs === undefined;
      const dropped = full ? dropSupersededIndexes(db) : [];
      const scope = job.pairs ? { pairs: job.pairs } : job.since ? { since: job.since } : {};
      const result = refreshModelPrices(db, readPriceOverrides(job.configPath), scope);
      outcome = { ok: true, dropped_indexes: dropped, ...result };
    }
  } finally {
    db.close();
  }
} catch (err) {
  outcome = { ok: false, error: errorMessage(err) };
}
services.close();
parentPort!.postMessage(outcome);
