/**
 * The replica's tables in PostgreSQL, created and migrated by the shipper itself: one table per
 * shipped dataset, same name and columns (typed: bigint, boolean, timestamptz, jsonb), plus the
 * origin of each row; `hyp_machines` lists the homes that ship; `hyp_datasets` keeps each
 * dataset's spec (schema version and column meanings). Additive like the local database: a
 * missing column is added, a column whose type differs is an error naming it. DDL runs only when
 * something is missing, under an advisory lock (two machines starting at once do not race), so
 * a role without CREATE can ship into tables an administrator made.
 */
import type pg from 'pg';
import type { CostSql } from '@hypaware/ai-gateway';
import { createHash } from 'node:crypto';
import { ident } from './connection.js';
import type { MachineIdentity } from './identity.js';
import { INFORMATION_SCHEMA_TYPES, PG_TYPES } from './pg-types.js';
import { PG_VIEWS } from './pg-views.js';
import { PRICES_TABLE, type ShippedDataset } from './shipped-datasets.js';
import type { DatasetSpec } from '@hypaware/core';

/** Columns every replica row has before the dataset's own. */
export const ORIGIN_COLUMNS = [
  { name: 'hyp_machine_id', ddl: 'text NOT NULL', description: 'machine id of the HypAware home that shipped the row' },
  { name: 'hyp_user_name', ddl: 'text NOT NULL', description: 'user name of that home' },
  { name: 'hyp_shipped_at', ddl: 'timestamptz NOT NULL DEFAULT now()', description: 'when the row reached PostgreSQL' },
] as const;

export class SchemaError extends Error {
  constructor(
    message: string,
    readonly repair: string,
  ) {
    super(message);
  }
}

type ColumnRow = { table_name: string; column_name: string; data_type: string };

async function ensureTable(
  client: pg.Client,
  schema: string,
  dataset: ShippedDataset,
  existing: ColumnRow[],
  changes: string[],
): Promise<void> {
  const table = `${ident(schema)}.${ident(dataset.name)}`;
  const have = new Map(
    existing.filter((c) => c.table_name === dataset.name).map((c) => [c.column_name, c.data_type] as const),
  );
  if (have.size === 0) {
    const columns = [
      ...ORIGIN_COLUMNS.map((c) => `${ident(c.name)} ${c.ddl}`),
      ...dataset.columns.map((c) => `${ident(c.name)} ${PG_TYPES[c.type]}`),
    ];
    const key = ['hyp_machine_id', ...dataset.key].map(ident).join(', ');
    await client.query(`CREATE TABLE ${table} (${columns.join(', ')}, PRIMARY KEY (${key}))`);
    await client.query(
      `CREATE INDEX ${ident(`ix_${dataset.name}_${dataset.primaryTime}`)} ON ${table} (${ident(dataset.primaryTime)})`,
    );
    changes.push(`created table ${schema}.${dataset.name}`);
    return;
  }
  for (const c of dataset.columns) {
    const type = have.get(c.name);
    if (type === undefined) {
      await client.query(`ALTER TABLE ${table} ADD COLUMN ${ident(c.name)} ${PG_TYPES[c.type]}`);
      changes.push(`added column ${schema}.${dataset.name}.${c.name}`);
    } else if (type !== INFORMATION_SCHEMA_TYPES[c.type]) {
      throw new SchemaError(
        `column ${schema}.${dataset.name}.${c.name} is ${type} in PostgreSQL but the dataset declares ${PG_TYPES[c.type]}`,
        `change the column by hand (ALTER TABLE ${schema}.${dataset.name} ALTER COLUMN ${c.name} TYPE ${PG_TYPES[c.type]} USING ...), then hyp daemon restart`,
      );
    }
  }
}

function viewComment(sql: string): string {
  return `hypaware:${createHash('sha256').update(sql).digest('hex').slice(0, 16)}`;
}

async function ensureViews(
  client: pg.Client,
  schema: string,
  columns: Map<string, Set<string>>,
  changes: string[],
  costSql: CostSql | undefined,
): Promise<void> {
  const qualified = (name: string) => `${ident(schema)}.${ident(name)}`;
  const messageColumns = columns.get('ai_gateway_messages') ?? new Set<string>();
  const cost = costSql && columns.has(PRICES_TABLE) ? costSql : undefined;
  for (const view of PG_VIEWS) {
    if (!view.requires.every((t) => columns.has(t))) continue;
    const sql = view.select({ table: qualified, has: (c) => messageColumns.has(c), ...(cost ? { cost } : {}) });
    const comment = viewComment(sql);
    const current = await client.query<{ comment: string | null }>(
      `SELECT obj_description(c.oid, 'pg_class') AS comment FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'v'`,
      [schema, view.name],
    );
    if (current.rows[0]?.comment === comment) continue;
    await client.query(`DROP VIEW IF EXISTS ${qualified(view.name)}`);
    await client.query(`CREATE VIEW ${qualified(view.name)} AS ${sql}`);
    await client.query(`COMMENT ON VIEW ${qualified(view.name)} IS '${comment}'`);
    changes.push(`${current.rows.length === 0 ? 'created' : 'replaced'} view ${schema}.${view.name}`);
  }
}

const MACHINES_DDL = `(
  machine_id text PRIMARY KEY,
  user_name text NOT NULL,
  hostname text,
  hypaware_version text,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
)`;
const DATASETS_DDL = `(
  name text PRIMARY KEY,
  spec jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Make the schema, tables, views and bookkeeping tables exist and match the shipped (and
 * mirrored) datasets; register this machine. One transaction; returns what changed. The views
 * get `cost_usd` from `costSql` (the gateway's rule) once the price table is in the replica.
 */
export async function ensureReplicaSchema(
  client: pg.Client,
  schema: string,
  datasets: readonly ShippedDataset[],
  specs: readonly DatasetSpec[],
  identity: MachineIdentity,
  version: string,
  costSql?: CostSql,
): Promise<string[]> {
  const changes: string[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`hypaware-replica:${schema}`]);
    const hasSchema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (hasSchema.rowCount === 0) {
      await client.query(`CREATE SCHEMA ${ident(schema)}`);
      changes.push(`created schema ${schema}`);
    }
    const existing = (
      await client.query<ColumnRow>(
        'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1',
        [schema],
      )
    ).rows;
    const tables = new Set(existing.map((c) => c.table_name));
    for (const [name, ddl] of [
      ['hyp_machines', MACHINES_DDL],
      ['hyp_datasets', DATASETS_DDL],
    ] as const) {
      if (tables.has(name)) continue;
      await client.query(`CREATE TABLE ${ident(schema)}.${ident(name)} ${ddl}`);
      changes.push(`created table ${schema}.${name}`);
    }
    const columns = new Map<string, Set<string>>();
    const addColumn = (table: string, column: string) => {
      if (!columns.has(table)) columns.set(table, new Set());
      columns.get(table)!.add(column);
    };
    for (const c of existing) addColumn(c.table_name, c.column_name);
    for (const dataset of datasets) {
      await ensureTable(client, schema, dataset, existing, changes);
      for (const c of dataset.columns) addColumn(dataset.name, c.name);
    }
    await ensureViews(client, schema, columns, changes, costSql);
    for (const dataset of datasets) {
      const spec = specs.find((s) => s.name === dataset.name);
      if (!spec) continue;
      await client.query(
        `INSERT INTO ${ident(schema)}.hyp_datasets (name, spec) VALUES ($1, $2::jsonb)
         ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = now() WHERE hyp_datasets.spec <> excluded.spec`,
        [dataset.name, JSON.stringify(spec)],
      );
    }
    await client.query(
      `INSERT INTO ${ident(schema)}.hyp_machines (machine_id, user_name, hostname, hypaware_version) VALUES ($1, $2, $3, $4)
       ON CONFLICT (machine_id) DO UPDATE SET user_name = excluded.user_name, hostname = excluded.hostname,
         hypaware_version = excluded.hypaware_version, last_seen_at = now()`,
      [identity.machine_id, identity.user_name, identity.hostname, version],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return changes;
}
