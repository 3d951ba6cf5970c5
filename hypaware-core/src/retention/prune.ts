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
  /** expired rows left after this run (that may be deleted) */
  remaining: number;
  /** expired rows kept by a plugin's hold (see `RetentionHold`); deleted once it moves on */
  held: number;
  /** whose hold and why, when rows are held */
  held_reason?: string;
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
  // a hold keeps rows above its rowid: only those up to it may go
  const keepAfter = target.keepAfterRowid;
  const deletable = keepAfter === undefined ? '' : ` AND rowid <= ${Math.floor(keepAfter)}`;
  const countExpired = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${time} < ?${deletable}`);
  const expired = () => (countExpired.get(cutoff) as { n: number }).n;
  const countHeld =
    keepAfter === undefined
      ? undefined
      : db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${time} < ? AND rowid > ${Math.floor(keepAfter)}`);
  const result: PruneResult = {
    dataset: target.dataset,
    keep_days: target.keepDays,
    cutoff,
    deleted: 0,
    remaining: 0,
    held: countHeld ? (countHeld.get(cutoff) as { n: number }).n : 0,
  };
  if (result.held > 0 && target.holdReason) result.held_reason = target.holdReason;
  if (limits.dryRun) {
    const total = expired();
    result.deleted = Math.min(total, maxRows);
    result.remaining = total - result.deleted;
    return result;
  }
  const deleteBatch = db.prepare(
    `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${time} < @cutoff${deletable} ORDER BY ${time} LIMIT @limit)`,
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
