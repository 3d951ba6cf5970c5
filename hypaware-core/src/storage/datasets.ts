import type Database from 'better-sqlite3';
import type { ColumnSpec, ColumnType, DatasetSpec } from '../plugin-api.js';
import { HypError } from '../errors.js';

const SQL_TYPES: Record<ColumnType, string> = {
  string: 'TEXT',
  int: 'INTEGER',
  float: 'REAL',
  boolean: 'INTEGER',
  json: 'TEXT',
  timestamp: 'TEXT',
  blob: 'BLOB',
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface RegisteredDataset {
  spec: DatasetSpec;
  plugin: string;
}

/** Check a dataset declaration; returns the first problem as a sentence. */
export function validateDatasetSpec(spec: DatasetSpec): string | undefined {
  if (!spec || typeof spec.name !== 'string' || !IDENT.test(spec.name))
    return `dataset name ${JSON.stringify(spec?.name)} must be an SQL identifier`;
  if (spec.name.startsWith('_hyp_')) return `dataset name ${spec.name} is reserved`;
  if (!Array.isArray(spec.columns) || spec.columns.length === 0)
    return `dataset ${spec.name}: columns must be a non-empty list`;
  const seen = new Set<string>();
  for (const c of spec.columns) {
    if (!IDENT.test(c.name))
      return `dataset ${spec.name}: column name ${JSON.stringify(c.name)} must be an SQL identifier`;
    if (seen.has(c.name)) return `dataset ${spec.name}: column ${c.name} is declared twice`;
    seen.add(c.name);
    if (!(c.type in SQL_TYPES))
      return `dataset ${spec.name}: column ${c.name} has unknown type ${JSON.stringify(c.type)}`;
  }
  if (!seen.has(spec.primaryTime)) return `dataset ${spec.name}: primaryTime ${spec.primaryTime} is not a column`;
  for (const key of [...(spec.uniqueKey ?? []), ...(spec.indexes ?? []).flat()]) {
    if (!seen.has(key)) return `dataset ${spec.name}: index column ${key} is not a column`;
  }
  return undefined;
}

function columnDdl(c: ColumnSpec, forAlter: boolean): string {
  // ALTER TABLE cannot add a NOT NULL column without a default: added columns are nullable.
  const notNull = c.nullable === false && !forAlter ? ' NOT NULL' : '';
  return `"${c.name}" ${SQL_TYPES[c.type]}${notNull}`;
}

/**
 * Create the dataset's table, or migrate it: columns the table lacks are added (additive
 * evolution keeps old queries working); a column whose SQL type changed is refused with an
 * error naming it. Every change is logged in `_hyp_migrations`.
 */
export function ensureDatasetTable(db: Database.Database, dataset: RegisteredDataset): string[] {
  const { spec, plugin } = dataset;
  const specJson = JSON.stringify(spec);
  // Already ensured with this very spec: nothing to write, so a CLI boot does not wait for
  // the daemon's writer lock.
  const stored = db.prepare('SELECT plugin, spec_json FROM _hyp_datasets WHERE name = ?').get(spec.name) as
    { plugin: string; spec_json: string } | undefined;
  const tableExists = db.prepare('SELECT 1 FROM pragma_table_info(?) LIMIT 1').get(spec.name) !== undefined;
  if (tableExists && stored?.plugin === plugin && stored.spec_json === specJson) return [];
  const changes: string[] = [];
  const now = new Date().toISOString();
  db.transaction(() => {
    const existing = db.prepare(`SELECT name, type FROM pragma_table_info(?)`).all(spec.name) as Array<{
      name: string;
      type: string;
    }>;
    if (existing.length === 0) {
      db.exec(`CREATE TABLE "${spec.name}" (${spec.columns.map((c) => columnDdl(c, false)).join(', ')})`);
      changes.push(`created table ${spec.name}`);
    } else {
      const have = new Map(existing.map((c) => [c.name, c.type.toUpperCase()] as const));
      for (const c of spec.columns) {
        const type = have.get(c.name);
        if (type === undefined) {
          db.exec(`ALTER TABLE "${spec.name}" ADD COLUMN ${columnDdl(c, true)}`);
          changes.push(`added column ${spec.name}.${c.name}`);
        } else if (type !== SQL_TYPES[c.type]) {
          throw new HypError(
            `dataset ${spec.name}: column ${c.name} is ${type} in the database but declared ${SQL_TYPES[c.type]}; a type change needs an explicit migration`,
            { kind: 'dataset_type_change' },
          );
        }
      }
    }
    if (spec.uniqueKey && spec.uniqueKey.length > 0) {
      db.exec(
        `CREATE UNIQUE INDEX IF NOT EXISTS "ux_${spec.name}_${spec.uniqueKey.join('_')}" ON "${spec.name}" (${spec.uniqueKey.map((k) => `"${k}"`).join(', ')})`,
      );
    }
    for (const idx of [[spec.primaryTime], ...(spec.indexes ?? [])]) {
      db.exec(
        `CREATE INDEX IF NOT EXISTS "ix_${spec.name}_${idx.join('_')}" ON "${spec.name}" (${idx.map((k) => `"${k}"`).join(', ')})`,
      );
    }
    db.prepare(
      `INSERT INTO _hyp_datasets (name, plugin, description, primary_time, spec_json, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET plugin=excluded.plugin, description=excluded.description, primary_time=excluded.primary_time, spec_json=excluded.spec_json, updated_at=excluded.updated_at`,
    ).run(spec.name, plugin, spec.description, spec.primaryTime, specJson, now);
    const log = db.prepare('INSERT INTO _hyp_migrations (scope, description, applied_at) VALUES (?, ?, ?)');
    for (const change of changes) log.run(`dataset:${spec.name}`, change, now);
  })();
  return changes;
}

/** Datasets recorded in a database (for processes that did not activate the plugins). */
export function listStoredDatasets(db: Database.Database): RegisteredDataset[] {
  const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='_hyp_datasets'`).get();
  if (!hasTable) return [];
  return (
    db.prepare('SELECT plugin, spec_json FROM _hyp_datasets ORDER BY name').all() as Array<{
      plugin: string;
      spec_json: string;
    }>
  ).map((r) => ({ plugin: r.plugin, spec: JSON.parse(r.spec_json) as DatasetSpec }));
}
