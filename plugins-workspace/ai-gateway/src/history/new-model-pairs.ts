/**
 * The daemon's cheap check before a price refresh: which provider/model pairs with usage did
 * rows written since the last check (rowid above a watermark) bring that `ai_model_prices`
 * does not list? Runs on the main thread, so it reads only the new rows (the rowid range, no
 * scan of the history) and gives up on a range too large to read there.
 */
import type { SqlDatabase } from '@hypaware/core';
import { MESSAGES_DATASET } from '../datasets.js';
import { carrierCondition } from './carrier-sql.js';
import { PRICES_DATASET, type ModelPair } from './model-prices-table.js';

/** More new rows than this: the check is left to the worker (a since-yesterday scan). */
export const MAX_CHECKED_ROWS = 20_000;

export type NewPairs =
  /** the rows in (after, upTo] bring these pairs (often none) */
  | { upTo: number; pairs: ModelPair[] }
  /** too many new rows to read on this thread */
  | { upTo: number; tooMany: true };

/** The highest rowid of the messages table (0: empty). */
export function lastMessageRowid(db: SqlDatabase): number {
  const row = db.prepare(`SELECT max(rowid) AS last FROM ${MESSAGES_DATASET}`).get() as { last: number | null };
  return row.last ?? 0;
}

/**
 * Pairs of the rows after rowid `after` that the price table lacks. A last rowid below `after`
 * (the newest rows were deleted) moves the watermark down: later rows get rowids above it.
 */
export function newModelPairs(db: SqlDatabase, after: number): NewPairs {
  const upTo = lastMessageRowid(db);
  if (upTo <= after) return { upTo, pairs: [] };
  if (upTo - after > MAX_CHECKED_ROWS) return { upTo, tooMany: true };
  const pairs = db
    .prepare(
      `SELECT DISTINCT m.provider, m.model FROM ${MESSAGES_DATASET} m
WHERE m.rowid > ? AND m.rowid <= ? AND m.model IS NOT NULL AND ${carrierCondition('m.')}
  AND NOT EXISTS (SELECT 1 FROM ${PRICES_DATASET} p WHERE p.provider = m.provider AND p.model = m.model)`,
    )
    .all(after, upTo) as ModelPair[];
  return { upTo, pairs };
}
