/**
 * Deletions the replica must follow. The gateway replaces provisional rows by their settled form
 * (a Claude reply is first stored under a fallback id, then under its transcript id once the
 * transcript line lands): a row already shipped must then go from PostgreSQL too. A trigger on
 * each shipped table records the key of a deleted row that is less than a day old in
 * `postgres_tombstones`; retention never deletes such a row (its shortest setting is a day), so
 * pruning, which the team database must not follow, leaves no tombstone. The trigger prunes its
 * own table (a week), so it stays bounded even if the plugin is later disabled.
 */
import type Database from 'better-sqlite3';
import type { DatasetSpec } from '@hypaware/core';
import type { ShippedDataset } from './shipped-datasets.js';

export const TOMBSTONES_DATASET = 'postgres_tombstones';

export const tombstonesDataset: DatasetSpec = {
  name: TOMBSTONES_DATASET,
  description: 'keys of recent rows deleted locally (settled provisional rows), to delete from the team PostgreSQL',
  columns: [
    { name: 'dataset', type: 'string', nullable: false, description: 'the shipped dataset the row was in' },
    { name: 'row_key', type: 'string', nullable: false, description: "the row's unique key" },
    { name: 'row_rowid', type: 'int', nullable: false, description: 'its rowid (SQLite may give it to a new row)' },
    { name: 'deleted_at', type: 'timestamp', nullable: false, description: 'when it was deleted' },
  ],
  primaryTime: 'deleted_at',
  internal: true,
};

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

function triggerName(dataset: string): string {
  return `postgres_tombstone_${dataset}_v1`;
}

/** Create the trigger of each shipped dataset with a one-column key (idempotent). */
export function ensureTombstoneTriggers(db: Database.Database, datasets: readonly ShippedDataset[]): void {
  for (const d of datasets) {
    if (d.key.length !== 1) continue;
    db.exec(`CREATE TRIGGER IF NOT EXISTS "${triggerName(d.name)}" AFTER DELETE ON "${d.name}"
WHEN old."${d.primaryTime}" >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')
BEGIN
  INSERT INTO "${TOMBSTONES_DATASET}" (dataset, row_key, row_rowid, deleted_at)
    VALUES ('${d.name}', old."${d.key[0]}", old.rowid, ${NOW});
  DELETE FROM "${TOMBSTONES_DATASET}" WHERE deleted_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days');
END`);
  }
}

export interface Tombstone {
  rowid: number;
  dataset: string;
  key: string;
  /** the deleted row's rowid */
  rowRowid: number;
}

/** Tombstones after `cursor`, oldest first, whose key is not back in its table (a re-insert wins). */
export class TombstoneReader {
  readonly #select: Database.Statement;
  readonly #exists: Map<string, Database.Statement>;

  constructor(db: Database.Database, datasets: readonly ShippedDataset[]) {
    this.#select = db.prepare(
      `SELECT rowid, dataset, row_key AS key, row_rowid AS rowRowid FROM "${TOMBSTONES_DATASET}" WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    );
    this.#exists = new Map(
      datasets
        .filter((d) => d.key.length === 1)
        .map((d) => [d.name, db.prepare(`SELECT 1 FROM "${d.name}" WHERE "${d.key[0]}" = ?`).pluck()]),
    );
  }

  /**
   * `gone`: the tombstones whose key is not back in its table (to delete from the replica);
   * `all`: every one read (their rowids tell where SQLite may have reused one).
   */
  read(cursor: number, limit: number): { gone: Tombstone[]; all: Tombstone[]; lastRowid: number } {
    const all = this.#select.all(cursor, limit) as Tombstone[];
    const lastRowid = all.length > 0 ? Number(all[all.length - 1]!.rowid) : cursor;
    const gone = all.filter((t) => {
      const exists = this.#exists.get(t.dataset);
      return exists !== undefined && exists.get(t.key) === undefined;
    });
    return { gone, all, lastRowid };
  }
}
