/**
 * The read-only guard of `hyp query sql` for plugins: one statement on a read-only connection,
 * refused (HypError `sql_refused`) when it would write, attach or change the connection, its
 * rows capped. Driver-neutral: callers pass the kernel's `SqlDatabase`.
 */
import type Database from 'better-sqlite3';
import { HypError } from '../errors.js';
import type { SqlDatabase } from '../plugin-api.js';
import { prepareReadOnly } from '../cli/query-sql.js';

export interface ReadOnlyResult {
  columns: string[];
  rows: Array<Record<string, unknown>>;
  /** true when the statement had more rows than `maxRows` */
  truncated: boolean;
}

/** Run one read-only statement and return at most `maxRows` rows (integers beyond 2^53 as strings). */
export function queryReadOnly(
  db: SqlDatabase,
  sql: string,
  maxRows: number,
  params?: unknown[] | Record<string, unknown>,
): ReadOnlyResult {
  const stmt = prepareReadOnly(db as unknown as Database.Database, sql).safeIntegers(true);
  const columns = stmt.columns().map((c) => c.name);
  const rows: Array<Record<string, unknown>> = [];
  let truncated = false;
  try {
    const iterator = (params === undefined ? stmt.iterate() : stmt.iterate(params)) as IterableIterator<
      Record<string, unknown>
    >;
    for (const row of iterator) {
      if (rows.length === maxRows) {
        truncated = true;
        iterator.return?.();
        break;
      }
      for (const [k, v] of Object.entries(row)) if (typeof v === 'bigint') row[k] = safeNumber(v);
      rows.push(row);
    }
  } catch (err) {
    throw new HypError(`SQL error: ${(err as Error).message}`, { kind: 'sql_error' });
  }
  return { columns, rows, truncated };
}

function safeNumber(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}
