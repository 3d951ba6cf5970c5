/**
 * `hyp privacy purge`: delete stored history for good. A selection names sessions (by id, or
 * every session that ran under a folder) or a date; the purge removes their message rows, the
 * raw exchanges they came from (also exchanges that wrote no rows but name the session in a
 * header, e.g. a re-sent history), and their settlement records. With `secure_delete` on, the
 * freed pages are zeroed, and the write-ahead log is truncated afterwards, so the text does
 * not linger in the file. A dry run counts the same rows and deletes nothing.
 */
import type { SqlDatabase } from '@hypaware/core';
import { EXCHANGES_DATASET, MESSAGES_DATASET, PROVISIONAL_DATASET } from '../datasets.js';

export type PurgeSelection = { session: string } | { cwd: string } | { before: string };

export interface PurgeCounts {
  /** sessions (or conversations) touched; null for a date purge */
  sessions: number | null;
  message_rows: number;
  exchanges: number;
  provisional_rows: number;
}

/** Sessions named by the selection, into temp table `purge_scope(key)`. */
function fillScope(db: SqlDatabase, selection: { session: string } | { cwd: string }): number {
  db.exec('DROP TABLE IF EXISTS temp.purge_scope; CREATE TEMP TABLE purge_scope (key TEXT PRIMARY KEY)');
  if ('session' in selection) {
    db.prepare('INSERT INTO temp.purge_scope (key) VALUES (?)').run(selection.session);
  } else {
    const root = selection.cwd.length > 1 ? selection.cwd.replace(/\/+$/, '') : selection.cwd;
    db.prepare(
      `INSERT OR IGNORE INTO temp.purge_scope (key)
SELECT DISTINCT COALESCE(session_id, conversation_id) FROM ${MESSAGES_DATASET}
WHERE cwd = @root OR substr(cwd, 1, length(@prefix)) = @prefix`,
    ).run({ root, prefix: root === '/' ? '/' : `${root}/` });
  }
  return (db.prepare('SELECT count(*) AS n FROM temp.purge_scope').get() as { n: number }).n;
}

const SCOPED_ROWS = `session_id IN (SELECT key FROM temp.purge_scope) OR conversation_id IN (SELECT key FROM temp.purge_scope)`;

/**
 * Exchanges of the scoped sessions into temp table `purge_exchanges(id)`: those a row was
 * written from, and those whose stored (redacted) request headers name a session id.
 */
function fillScopedExchanges(db: SqlDatabase): void {
  db.exec('DROP TABLE IF EXISTS temp.purge_exchanges; CREATE TEMP TABLE purge_exchanges (id TEXT PRIMARY KEY)');
  db.prepare(
    `INSERT OR IGNORE INTO temp.purge_exchanges (id)
SELECT DISTINCT exchange_id FROM ${MESSAGES_DATASET} WHERE exchange_id IS NOT NULL AND (${SCOPED_ROWS})`,
  ).run();
  db.prepare(
    `INSERT OR IGNORE INTO temp.purge_exchanges (id)
SELECT e.exchange_id FROM ${EXCHANGES_DATASET} AS e, temp.purge_scope AS s
WHERE e.request_headers IS NOT NULL AND length(s.key) >= 8 AND instr(e.request_headers, s.key) > 0`,
  ).run();
}

interface Statements {
  messages: string;
  exchanges: string;
  provisional: string;
}

function whereClauses(selection: PurgeSelection): Statements {
  if ('before' in selection) {
    return {
      messages: `date < @before`,
      exchanges: `ts_start < @before`,
      provisional: `created_at < @before`,
    };
  }
  return {
    messages: SCOPED_ROWS,
    exchanges: `exchange_id IN (SELECT id FROM temp.purge_exchanges)`,
    provisional: `conversation_id IN (SELECT key FROM temp.purge_scope)
  OR conversation_id IN (SELECT DISTINCT conversation_id FROM ${MESSAGES_DATASET} WHERE ${SCOPED_ROWS})`,
  };
}

function tableExists(db: SqlDatabase, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/**
 * Count (dryRun) or delete what the selection names, in one transaction. `db` is a read-write
 * connection of its own (the purge turns `secure_delete` on for it).
 */
export function purgeHistory(db: SqlDatabase, selection: PurgeSelection, options: { dryRun: boolean }): PurgeCounts {
  const params = 'before' in selection ? { before: selection.before } : {};
  const where = whereClauses(selection);
  const run = (): PurgeCounts => {
    const sessions = 'before' in selection ? null : fillScope(db, selection);
    if (!('before' in selection)) fillScopedExchanges(db);
    const act = (table: string, clause: string): number => {
      if (!tableExists(db, table)) return 0;
      if (options.dryRun)
        return (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${clause}`).get(params) as { n: number }).n;
      return db.prepare(`DELETE FROM ${table} WHERE ${clause}`).run(params).changes;
    };
    // provisional first: its scope reads the message rows about to go
    const provisional_rows = act(PROVISIONAL_DATASET, where.provisional);
    const exchanges = act(EXCHANGES_DATASET, where.exchanges);
    const message_rows = act(MESSAGES_DATASET, where.messages);
    return { sessions, message_rows, exchanges, provisional_rows };
  };
  if (!options.dryRun) db.exec('PRAGMA secure_delete = ON');
  const counts = db.transaction(run)();
  db.exec('DROP TABLE IF EXISTS temp.purge_scope; DROP TABLE IF EXISTS temp.purge_exchanges');
  if (!options.dryRun && counts.message_rows + counts.exchanges + counts.provisional_rows > 0)
    db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').all();
  return counts;
}
