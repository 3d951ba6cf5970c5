/** Read an export back with DuckDB and compare it, row by row and column by column, with SQLite. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnSpec, DatasetSpec } from '@hypaware/core';

export async function duck(sql: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** SQLite's stored value and DuckDB's read-back value in one comparable form, by column type. */
function sqliteValue(c: ColumnSpec, v: unknown): unknown {
  if (v === null) return null;
  if (c.type === 'timestamp') return Date.parse(String(v));
  if (c.type === 'boolean') return Boolean(v);
  if (c.type === 'blob') return Buffer.from(v as Buffer).toString('hex');
  return v;
}

function duckValue(c: ColumnSpec, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return c.name === 'date' ? v.toISOString().slice(0, 10) : v.getTime();
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return v;
}

/** Every row of `dataset` in `databasePath` equals the export in `dir` (read with hive partitioning), by the spec recorded in the database. */
export async function assertSameRows(
  databasePath: string,
  dataset: string,
  dir: string,
  orderBy: string,
): Promise<number> {
  const db = new Database(databasePath, { readonly: true });
  const spec = JSON.parse(
    (db.prepare('SELECT spec_json FROM _hyp_datasets WHERE name = ?').get(dataset) as { spec_json: string }).spec_json,
  ) as DatasetSpec;
  const expected = db.prepare(`SELECT * FROM ${spec.name} ORDER BY ${orderBy}`).all() as Array<Record<string, unknown>>;
  db.close();
  const got = await duck(`SELECT * FROM read_parquet('${dir}/**/*.parquet', hive_partitioning=1) ORDER BY ${orderBy}`);
  assert.equal(got.length, expected.length, 'same row count');
  const partitionDate = spec.columns.some((c) => c.name === 'date')
    ? undefined
    : ({ name: 'date', type: 'string' } as ColumnSpec);
  for (let i = 0; i < expected.length; i++) {
    for (const c of spec.columns) {
      assert.deepEqual(
        duckValue(c, got[i]![c.name]),
        sqliteValue(c, expected[i]![c.name]),
        `row ${i} column ${c.name}`,
      );
    }
    if (partitionDate)
      assert.equal(
        duckValue(partitionDate, got[i]!.date),
        String(expected[i]![spec.primaryTime]).slice(0, 10),
        `row ${i} partition`,
      );
  }
  return expected.length;
}
