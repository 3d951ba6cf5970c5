/**
 * One batch into the replica: a single `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO
 * NOTHING` with one array parameter per column, so a replay (a crash between PostgreSQL's
 * COMMIT and the local cursor) never duplicates a row. Values PostgreSQL cannot store as they
 * are (a NUL character, invalid JSON or time text) are repaired on a retry of that batch; a row
 * still refused then is skipped and counted, so one bad row never stops the history behind it.
 */
import type pg from 'pg';
import { ident } from './connection.js';
import type { MachineIdentity } from './identity.js';
import { ARRAY_TYPES } from './pg-types.js';
import type { Batch } from './batch-reader.js';
import type { ShippedDataset } from './shipped-datasets.js';

export interface WriteResult {
  /** rows new to PostgreSQL */
  inserted: number;
  /** rows PostgreSQL refused even after repair (skipped) */
  refused: number;
  /** keys of the refused rows (for the log) */
  refusedKeys: string[];
}

/** The batch's INSERT: `$1` machine id, `$2` user name, then one array per column. */
export function insertSql(schema: string, dataset: ShippedDataset): string {
  const names = dataset.columns.map((c) => ident(c.name));
  const values = dataset.columns.map((c, i) => {
    const v = `u.c${i}`;
    return c.type === 'json' ? `${v}::jsonb` : c.type === 'timestamp' ? `${v}::timestamptz` : v;
  });
  const arrays = dataset.columns.map((c, i) => `$${i + 3}::${ARRAY_TYPES[c.type]}`);
  const aliases = dataset.columns.map((_, i) => `c${i}`);
  return `INSERT INTO ${ident(schema)}.${ident(dataset.name)} (hyp_machine_id, hyp_user_name, ${names.join(', ')})
SELECT $1, $2, ${values.join(', ')} FROM unnest(${arrays.join(', ')}) AS u(${aliases.join(', ')})
ON CONFLICT DO NOTHING`;
}

const NUL = /\u0000/g;
/** a JSON `\u0000` escape (not an escaped backslash followed by `u0000`) */
const JSON_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** A value PostgreSQL will take: NUL characters become U+FFFD, bad JSON a JSON string, bad times NULL. */
function repaired(value: unknown, type: ShippedDataset['columns'][number]['type']): unknown {
  if (typeof value !== 'string') return value;
  if (type === 'json') {
    const text = value.replace(JSON_NUL, '$1\\ufffd').replace(NUL, '\ufffd');
    try {
      JSON.parse(text);
      return text;
    } catch {
      return JSON.stringify(text);
    }
  }
  if (type === 'timestamp') return Number.isNaN(Date.parse(value)) ? null : value;
  return value.replace(NUL, '\ufffd');
}

/** PostgreSQL's data exceptions (class 22) and check violations: the values, not the connection. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code === '23502' || code === '23514');
}

export class BatchWriter {
  readonly #sql: string;

  constructor(
    schema: string,
    readonly dataset: ShippedDataset,
    readonly identity: MachineIdentity,
  ) {
    this.#sql = insertSql(schema, dataset);
  }

  async #insert(client: pg.Client, columns: unknown[][]): Promise<number> {
    const result = await client.query(this.#sql, [this.identity.machine_id, this.identity.user_name, ...columns]);
    return result.rowCount ?? 0;
  }

  /**
   * Insert the batch; resolves once PostgreSQL committed it. The fast path is one statement (its
   * own transaction), sent at once: the caller may read the next batch while it runs.
   */
  async write(client: pg.Client, batch: Batch): Promise<WriteResult> {
    try {
      const inserted = await this.#insert(client, batch.columns);
      return { inserted, refused: 0, refusedKeys: [] };
    } catch (err) {
      if (!isDataError(err)) throw err;
    }
    const fixed = batch.columns.map((values, i) => values.map((v) => repaired(v, this.dataset.columns[i]!.type)));
    return this.#writeRowByRow(client, fixed, batch.rows);
  }

  /** The repaired batch, one row per statement in one transaction (savepoints skip a refused row). */
  async #writeRowByRow(client: pg.Client, columns: unknown[][], rows: number): Promise<WriteResult> {
    const result: WriteResult = { inserted: 0, refused: 0, refusedKeys: [] };
    const keyIndex = this.dataset.columns.findIndex((c) => c.name === this.dataset.key[0]);
    await client.query('BEGIN');
    try {
      for (let r = 0; r < rows; r++) {
        await client.query('SAVEPOINT row');
        try {
          result.inserted += await this.#insert(
            client,
            columns.map((values) => [values[r]]),
          );
          await client.query('RELEASE SAVEPOINT row');
        } catch (err) {
          if (!isDataError(err)) throw err;
          await client.query('ROLLBACK TO SAVEPOINT row');
          result.refused++;
          if (result.refusedKeys.length < 20) result.refusedKeys.push(String(columns[keyIndex]?.[r] ?? '?'));
        }
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    return result;
  }
}
