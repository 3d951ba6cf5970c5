/**
 * Rows of a local dataset after a cursor, in rowid order, as one array per column (the shape
 * the INSERT takes). A batch stops at `maxRows` or once `maxBytes` of text and blobs are read,
 * so memory stays bounded whatever the backlog.
 */
import type Database from 'better-sqlite3';
import type { ColumnSpec } from '@hypaware/core';
import type { ShippedDataset } from './shipped-datasets.js';

export interface Batch {
  /** one array per shipped column, same order as `dataset.columns` */
  columns: unknown[][];
  rows: number;
  /** rowid of the last row in the batch (the cursor once it is committed) */
  lastRowid: number;
}

export const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;

/** A SQLite value as the column's array parameter carries it. */
function toPg(value: unknown, column: ColumnSpec): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'boolean':
      return Number(value) !== 0;
    case 'string':
    case 'json':
    case 'timestamp':
      return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
    default:
      return value;
  }
}

function sizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Buffer.isBuffer(value)) return value.length;
  return 8;
}

/** What backlog counting needs of a connection (the kernel's `SqlDatabase` or the driver's). */
interface Queryable {
  prepare(sql: string): { get(...params: unknown[]): unknown };
}

/** Local rows of `dataset` after `cursor`, and the primary time of the first of them. */
export function backlogOf(
  db: Queryable,
  dataset: { name: string; primaryTime: string },
  cursor: number,
): { rows: number; oldest?: string } {
  const table = `"${dataset.name}"`;
  const rows = Number(
    (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE rowid > ?`).get(cursor) as { n: number }).n,
  );
  if (rows === 0) return { rows };
  const oldest = (
    db
      .prepare(`SELECT "${dataset.primaryTime}" AS t FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT 1`)
      .get(cursor) as { t: unknown } | undefined
  )?.t;
  return typeof oldest === 'string' ? { rows, oldest } : { rows };
}

export class BatchReader {
  readonly #db: Database.Database;
  readonly #select: Database.Statement;
  readonly #maxRowid: Database.Statement;

  constructor(
    db: Database.Database,
    readonly dataset: ShippedDataset,
  ) {
    this.#db = db;
    const table = `"${dataset.name}"`;
    const cols = dataset.columns.map((c) => `"${c.name}"`).join(', ');
    this.#select = db.prepare(`SELECT rowid, ${cols} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`).raw(true);
    this.#maxRowid = db.prepare(`SELECT max(rowid) AS m FROM ${table}`);
  }

  /** The highest rowid in the table (0 when empty). */
  maxRowid(): number {
    return Number((this.#maxRowid.get() as { m: number | null }).m ?? 0);
  }

  /** Rows after `cursor` and the time of the first of them. */
  backlog(cursor: number): { rows: number; oldest?: string } {
    return backlogOf(this.#db, this.dataset, cursor);
  }

  /**
   * Rows after `cursor`; with `settledBefore` (ISO time) the batch ends at the first row whose
   * settle column is later (a row still being updated, and so every row after it, waits).
   */
  read(cursor: number, maxRows: number, maxBytes = DEFAULT_BATCH_BYTES, settledBefore?: string): Batch {
    const specs = this.dataset.columns;
    const columns: unknown[][] = specs.map(() => []);
    const settleIndex = settledBefore === undefined ? -1 : specs.findIndex((c) => c.name === this.dataset.settleColumn);
    let rows = 0;
    let bytes = 0;
    let lastRowid = cursor;
    for (const raw of this.#select.iterate(cursor, maxRows) as IterableIterator<unknown[]>) {
      if (settleIndex >= 0) {
        const t = raw[settleIndex + 1];
        if (typeof t === 'string' && t >= settledBefore!) break;
      }
      for (let i = 0; i < specs.length; i++) {
        const value = toPg(raw[i + 1], specs[i]!);
        bytes += sizeOf(value);
        columns[i]!.push(value);
      }
      lastRowid = Number(raw[0]);
      rows++;
      if (bytes >= maxBytes) break;
    }
    return { columns, rows, lastRowid };
  }
}
