/**
 * A small local table the owner rewrites (the gateway's price bands) mirrored into the replica:
 * the whole table is read, and when its content differs from what was last committed (a
 * fingerprint kept in the shipper state), this machine's rows in PostgreSQL are replaced by it
 * in one transaction. Other machines' rows are left alone.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { BatchReader, type Batch } from './batch-reader.js';
import { insertSql } from './batch-writer.js';
import { ident } from './connection.js';
import type { MachineIdentity } from './identity.js';
import type { ShippedDataset } from './shipped-datasets.js';

/** A mirrored table is small (a few bands per model seen); past this it is refused, not truncated. */
const MAX_MIRROR_ROWS = 100_000;

export interface MirrorSnapshot {
  batch: Batch;
  fingerprint: string;
}

export class TableMirror {
  readonly #reader: BatchReader;
  readonly #insert: string;
  readonly #delete: string;

  constructor(
    db: Database.Database,
    schema: string,
    readonly dataset: ShippedDataset,
    readonly identity: MachineIdentity,
  ) {
    this.#reader = new BatchReader(db, dataset);
    this.#insert = insertSql(schema, dataset);
    this.#delete = `DELETE FROM ${ident(schema)}.${ident(dataset.name)} WHERE hyp_machine_id = $1`;
  }

  /** The local table and the fingerprint of its content. */
  snapshot(): MirrorSnapshot {
    const batch = this.#reader.read(0, MAX_MIRROR_ROWS + 1, Number.POSITIVE_INFINITY);
    if (batch.rows > MAX_MIRROR_ROWS)
      throw new Error(`${this.dataset.name} has more than ${MAX_MIRROR_ROWS} rows: too many to mirror`);
    const fingerprint = createHash('sha256').update(JSON.stringify(batch.columns)).digest('hex').slice(0, 32);
    return { batch, fingerprint };
  }

  /** Replace this machine's rows in PostgreSQL by the snapshot; resolves once committed. */
  async replace(client: pg.Client, snapshot: MirrorSnapshot): Promise<number> {
    await client.query('BEGIN');
    try {
      await client.query(this.#delete, [this.identity.machine_id]);
      const result = await client.query(this.#insert, [
        this.identity.machine_id,
        this.identity.user_name,
        ...snapshot.batch.columns,
      ]);
      await client.query('COMMIT');
      return result.rowCount ?? 0;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}
