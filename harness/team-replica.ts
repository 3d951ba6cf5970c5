/**
 * The team replica checked against the local database: the same keys and, column by column,
 * the same typed values (the column types come from the specs the kernel recorded in the local
 * database, so columns added later are compared too). Used by the PostgreSQL smokes and tests.
 */
import assert from 'node:assert/strict';
import type Database from 'better-sqlite3';
import type { ColumnSpec, DatasetSpec } from '@hypaware/core';
import type { PostgresServer } from './postgres.js';
import { waitFor } from './wait.js';

export const SHIPPED = ['ai_gateway_messages', 'ai_gateway_exchanges'] as const;
const KEYS: Record<(typeof SHIPPED)[number], string> = {
  ai_gateway_messages: 'part_id',
  ai_gateway_exchanges: 'exchange_id',
};

/** The spec the kernel recorded for a dataset in the local database. */
export function recordedSpec(db: Database.Database, name: string): DatasetSpec {
  const row = db.prepare('SELECT spec_json FROM _hyp_datasets WHERE name = ?').get(name) as
    { spec_json: string } | undefined;
  assert.ok(row, `dataset ${name} is recorded`);
  return JSON.parse(row.spec_json) as DatasetSpec;
}

function localValue(c: ColumnSpec, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'int':
    case 'float':
      return Number(v);
    case 'boolean':
      return Number(v) !== 0;
    case 'json':
      return JSON.parse(String(v));
    case 'timestamp':
      return Date.parse(String(v));
    case 'blob':
      return (v as Buffer).toString('hex');
    default:
      return v;
  }
}

/** node-postgres's default parsing: int8 as text, jsonb parsed, timestamptz as Date, bytea as Buffer. */
function remoteValue(c: ColumnSpec, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'int':
    case 'float':
      return Number(v);
    case 'timestamp':
      return (v as Date).getTime();
    case 'blob':
      return (v as Buffer).toString('hex');
    default:
      return v;
  }
}

/** The shipped columns: every declared column but the raw bodies (blobs are not shipped by default). */
function shippedColumns(spec: DatasetSpec): ColumnSpec[] {
  return spec.columns.filter((c) => c.type !== 'blob');
}

/** Rows of one machine in the replica, keyed. */
async function remoteRows(
  pg: PostgresServer,
  schema: string,
  dataset: (typeof SHIPPED)[number],
  machineId: string,
): Promise<Map<string, Record<string, unknown>>> {
  const rows = await pg.query(`SELECT * FROM "${schema}"."${dataset}" WHERE hyp_machine_id = $1`, [machineId]);
  return new Map(rows.map((r) => [String(r[KEYS[dataset]]), r]));
}

export function localCount(db: Database.Database, dataset: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM "${dataset}"`).get() as { n: number }).n;
}

export async function remoteCount(pg: PostgresServer, schema: string, dataset: string, machineId?: string) {
  const rows = await pg.query<{ n: string }>(
    `SELECT count(*) AS n FROM "${schema}"."${dataset}"${machineId ? ' WHERE hyp_machine_id = $1' : ''}`,
    machineId ? [machineId] : [],
  );
  return Number(rows[0]!.n);
}

/** Wait until the replica has exactly the local keys of this machine, for each dataset (rows settled and deleted locally included). */
export async function waitForReplica(
  pg: PostgresServer,
  schema: string,
  db: Database.Database,
  machineId: string,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    async () => {
      for (const d of SHIPPED) {
        const local = (db.prepare(`SELECT "${KEYS[d]}" AS k FROM "${d}"`).all() as Array<{ k: string }>)
          .map((r) => r.k)
          .sort();
        const remote = await pg
          .query<{ k: string }>(`SELECT "${KEYS[d]}" AS k FROM "${schema}"."${d}" WHERE hyp_machine_id = $1`, [
            machineId,
          ])
          .then((rows) => rows.map((r) => r.k).sort())
          .catch(() => undefined);
        if (!remote || remote.length !== local.length || remote.some((k, i) => k !== local[i])) return false;
      }
      return true;
    },
    'the replica to hold exactly the local rows',
    timeoutMs,
    200,
  );
}

/** The replica holds exactly the local rows of this machine: same keys, same values in every shipped column. */
export async function assertReplicaEqualsLocal(
  pg: PostgresServer,
  schema: string,
  db: Database.Database,
  machineId: string,
  userName: string,
  datasets: ReadonlyArray<(typeof SHIPPED)[number]> = SHIPPED,
): Promise<void> {
  for (const dataset of datasets) {
    const spec = recordedSpec(db, dataset);
    const columns = shippedColumns(spec);
    const local = db.prepare(`SELECT * FROM "${dataset}"`).all() as Array<Record<string, unknown>>;
    const remote = await remoteRows(pg, schema, dataset, machineId);
    assert.ok(local.length > 0, `${dataset} has local rows`);
    assert.deepEqual(
      [...remote.keys()].sort(),
      local.map((r) => String(r[KEYS[dataset]])).sort(),
      `${dataset}: the same keys`,
    );
    for (const row of local) {
      const key = String(row[KEYS[dataset]]);
      const other = remote.get(key)!;
      assert.equal(other.hyp_user_name, userName, `${dataset} ${key}: user name`);
      for (const c of columns)
        assert.deepEqual(
          remoteValue(c, other[c.name]),
          localValue(c, row[c.name]),
          `${dataset} ${key}: column ${c.name} (${c.type})`,
        );
      for (const c of spec.columns.filter((x) => x.type === 'blob'))
        assert.ok(!(c.name in other), `${dataset}: body column ${c.name} is not shipped`);
    }
  }
}

export type ResponseCost = [message_id: string, cost_usd: number | null];

const byMessage = (a: ResponseCost, b: ResponseCost) => a[0].localeCompare(b[0]);

/** `[message_id, cost_usd]` of every response in the local `ai_responses`, sorted. */
export function localResponseCosts(db: Database.Database): ResponseCost[] {
  return (
    db.prepare('SELECT message_id, cost_usd FROM ai_responses').all() as Array<{
      message_id: string;
      cost_usd: number | null;
    }>
  )
    .map((r): ResponseCost => [r.message_id, r.cost_usd])
    .sort(byMessage);
}

/** The same for one machine's responses in the replica's `ai_responses`. */
export async function remoteResponseCosts(
  pg: PostgresServer,
  schema: string,
  machineId: string,
): Promise<ResponseCost[]> {
  const rows = await pg.query<{ message_id: string; cost_usd: number | null }>(
    `SELECT message_id, cost_usd FROM "${schema}".ai_responses WHERE hyp_machine_id = $1`,
    [machineId],
  );
  return rows.map((r): ResponseCost => [r.message_id, r.cost_usd]).sort(byMessage);
}

/** Wait until the replica's price bands of this machine are the local `ai_model_prices` (same rows, same write time). */
export async function waitForPrices(
  pg: PostgresServer,
  schema: string,
  db: Database.Database,
  machineId: string,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    async () => {
      const local = db.prepare('SELECT count(*) AS n, max(updated_at) AS t FROM ai_model_prices').get() as {
        n: number;
        t: string | null;
      };
      if (local.n === 0) return false;
      const remote = await pg
        .query<{ n: string; t: Date | null }>(
          `SELECT count(*) AS n, max(updated_at) AS t FROM "${schema}".ai_model_prices WHERE hyp_machine_id = $1`,
          [machineId],
        )
        .catch(() => undefined);
      return Number(remote?.[0]?.n) === local.n && remote?.[0]?.t?.getTime() === Date.parse(local.t!);
    },
    'the replica to hold the local price bands',
    timeoutMs,
    200,
  );
}
