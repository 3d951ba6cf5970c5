/**
 * Views plugins register with their datasets (`ActivationContext.registerView`): the kernel keeps
 * each one in the database while every table it reads exists, and `hyp query schema` lists them.
 */
import type Database from 'better-sqlite3';
import type { DatasetSpec, ViewSpec } from '../plugin-api.js';
import { errorMessage } from '../errors.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface RegisteredView {
  spec: ViewSpec;
  plugin: string;
}

/** Check a view declaration; returns the first problem as a sentence. */
export function validateViewSpec(spec: ViewSpec): string | undefined {
  if (!spec || typeof spec.name !== 'string' || !IDENT.test(spec.name))
    return `view name ${JSON.stringify(spec?.name)} must be an SQL identifier`;
  if (spec.name.startsWith('_hyp_')) return `view name ${spec.name} is reserved`;
  if (typeof spec.description !== 'string') return `view ${spec.name}: description must be a string`;
  if (
    !Array.isArray(spec.requires) ||
    spec.requires.length === 0 ||
    !spec.requires.every((t) => typeof t === 'string' && IDENT.test(t))
  ) {
    return `view ${spec.name}: requires must list the tables it reads`;
  }
  if (!Array.isArray(spec.columns) || spec.columns.length === 0)
    return `view ${spec.name}: columns must be a non-empty list`;
  if (!spec.columns.some((c) => c.name === spec.primaryTime))
    return `view ${spec.name}: primaryTime ${spec.primaryTime} is not a column`;
  if (typeof spec.select !== 'string' || spec.select.trim() === '')
    return `view ${spec.name}: select must be a SELECT statement`;
  return undefined;
}

function createStatement(view: ViewSpec): string {
  return `CREATE VIEW "${view.name}" AS\n${view.select}`;
}

/**
 * Create (or re-create, when the definition changed) each view whose tables exist; drop the
 * views whose tables are gone. Run after the datasets are ensured. Returns one sentence per
 * view that could not be created: a view never stops the kernel from opening its database.
 */
export function ensureViews(db: Database.Database, views: Iterable<ViewSpec>): string[] {
  const problems: string[] = [];
  const schema = db
    .prepare(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view')`)
    .all() as Array<{ type: string; name: string; sql: string }>;
  const tables = new Set(schema.filter((s) => s.type === 'table').map((s) => s.name));
  const existing = new Map(schema.filter((s) => s.type === 'view').map((s) => [s.name, s.sql]));
  for (const view of views) {
    const wanted = view.requires.every((t) => tables.has(t)) ? createStatement(view) : undefined;
    const current = existing.get(view.name);
    if (current === wanted) continue;
    try {
      db.transaction(() => {
        if (current !== undefined) db.exec(`DROP VIEW IF EXISTS "${view.name}"`);
        if (wanted !== undefined) db.exec(wanted);
      })();
    } catch (err) {
      problems.push(`view ${view.name} was not created: ${errorMessage(err)}`);
    }
  }
  return problems;
}

/** The views present for these datasets, described like datasets (for `hyp query schema`). */
export function viewsAsDatasets(views: Iterable<ViewSpec>, datasets: Iterable<string>): DatasetSpec[] {
  const have = new Set(datasets);
  return [...views]
    .filter((v) => v.requires.every((d) => have.has(d)))
    .map((v) => ({
      name: v.name,
      description: `view: ${v.description}`,
      columns: v.columns,
      primaryTime: v.primaryTime,
    }));
}
