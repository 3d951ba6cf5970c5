import type Database from 'better-sqlite3';
import { HypError } from '../errors.js';
import { writeRows, type RowFormat } from './format-rows.js';

/** Statements refused before SQLite sees them: they write, or change the connection. */
const REFUSED_KEYWORDS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'UPSERT',
  'CREATE',
  'DROP',
  'ALTER',
  'ATTACH',
  'DETACH',
  'PRAGMA',
  'VACUUM',
  'REINDEX',
  'ANALYZE',
  'BEGIN',
  'COMMIT',
  'END',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
]);

/** First keyword of a statement, after comments and whitespace. */
export function leadingKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)+/, '');
  const match = /^[A-Za-z]+/.exec(stripped);
  return match ? match[0].toUpperCase() : '';
}

/**
 * Prepare a statement that can only read. The connection is already read-only
 * (`readonly` + `query_only`); this adds a clear message for writes, ATTACH and PRAGMA.
 */
export function prepareReadOnly(db: Database.Database, sql: string): Database.Statement {
  if (sql.trim() === '') throw new HypError('SQL error: empty statement', { kind: 'sql_error' });
  const keyword = leadingKeyword(sql);
  if (REFUSED_KEYWORDS.has(keyword)) {
    throw new HypError(`hyp query sql is read-only: ${keyword || 'this'} statements are refused (use SELECT or WITH)`, {
      kind: 'sql_refused',
    });
  }
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(sql);
  } catch (err) {
    throw new HypError(`SQL error: ${(err as Error).message}`, { kind: 'sql_error' });
  }
  if (!stmt.readonly)
    throw new HypError('hyp query sql is read-only: this statement would modify the database', { kind: 'sql_refused' });
  if (!stmt.reader) throw new HypError('SQL error: the statement returns no rows', { kind: 'sql_error' });
  return stmt;
}

export function runQuery(db: Database.Database, sql: string, format: RowFormat, out: NodeJS.WritableStream): number {
  // integers as BigInt, so values beyond 2^53 are printed exactly
  const stmt = prepareReadOnly(db, sql).safeIntegers(true);
  const columns = stmt.columns().map((c) => c.name);
  try {
    return writeRows(out, columns, stmt.iterate() as Iterable<Record<string, unknown>>, format);
  } catch (err) {
    throw new HypError(`SQL error: ${(err as Error).message}`, { kind: 'sql_error' });
  }
}
