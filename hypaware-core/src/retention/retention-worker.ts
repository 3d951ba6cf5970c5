/**
 * One retention run in a worker thread, so the daemon's event loop (the proxy) never waits on
 * SQLite deletes. workerData: { databasePath, targets, limits, busyTimeoutMs }; posts PruneResult[].
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { pruneDataset, type PruneLimits } from './prune.js';
import type { RetentionTarget } from './retention-policy.js';

export interface RetentionJob {
  databasePath: string;
  targets: RetentionTarget[];
  limits: PruneLimits;
  busyTimeoutMs: number;
}

const job = workerData as RetentionJob;
const db = new Database(job.databasePath, { fileMustExist: true });
try {
  db.pragma(`busy_timeout = ${job.busyTimeoutMs}`);
  parentPort!.postMessage(job.targets.map((t) => pruneDataset(db, t, job.limits)));
} finally {
  db.close();
}
