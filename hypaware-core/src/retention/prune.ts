import type Database from 'better-sqlite3';
import type { RetentionTarget } from './retention-policy.js';

export interface PruneLimits {
  /** rows deleted per transaction (default 2000): keeps each write lock short */
  batchRows?: number;
  /** rows deleted per run at most (default 50,000): bounded work, the next run continues */
  maxRows?: number;
  /** count what would go, delete nothing */
  dryRun?: boolean;
  now?: Date;
}

export interface PruneResult {
  dataset: string;
  keep_days: number;
  /** rows with a time before this ISO instant are expired */
  cutoff: string;
  /** rows deleted (or, in a dry run, that would be deleted by this run) */
  deleted: number;
  /** expired rows left after this run */
  remaining: number;
}

export function cutoffFor(keepDays: number, now: Date = new Date()): string {
  return new Date(now.getTime() - keepDays * 86_400_000).toISOString();
}

/**
 * Delete a dataset's expired rows, oldest first, in small transactions through the primary
 * time index, up to `maxRows` per run. No VACUUM: freed pages are reused by new rows.
 */
export function pruneDataset(db: Database.Database, target: RetentionTarget, limits: PruneLimits = {}): PruneResult {
  const batchRows = limits.batchRows ?? 2000;
  const maxRows = limits.maxRows ?? 50_000;
  const cutoff = cutoffFor(target.keepDays, limits.now);
  const table = `"${target.dataset}"`;
  const time = `"${target.timeColumn}"`;
  const countExpired = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${time} < ?`);
  const expired = () => (countExpired.get(cutoff) as { n: number }).n;
  const result: PruneResult = { dataset: target.dataset, keep_days: target.keepDays, cutoff, deleted: 0, remaining: 0 };
  if (limits.dryRun) {
    const total = expired();
    result.deleted = Math.min(total, maxRows);
    result.remaining = total - result.deleted;
    return result;
  }
  const deleteBatch = db.prepare(
    `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${time} < @cutoff ORDER BY ${time} LIMIT @limit)`,
  );
  while (result.deleted < maxRows) {
    const limit = Math.min(batchRows, maxRows - result.deleted);
    const { changes } = deleteBatch.run({ cutoff, limit });
    result.deleted += changes;
    if (changes < limit) break;
  }
  result.remaining = expired();
  return result;
}
