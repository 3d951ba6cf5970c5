/** Names of the gateway's tables and the session key, as the UI and the MCP server read them. */
import type { SqlDatabase } from '@hypaware/core';

export const MESSAGES = 'ai_gateway_messages';
export const EXCHANGES = 'ai_gateway_exchanges';

/** A session: the client's session id, else the conversation id (as the gateway's views key it). */
export const SESSION_KEY = 'COALESCE(session_id, conversation_id)';

/** Rows of one session, written so SQLite uses the session_id and conversation_id indexes. */
export const SESSION_ROWS = '(session_id = @session OR (session_id IS NULL AND conversation_id = @session))';

/** The columns a table has now (empty when it does not exist): optional columns are read only when present. */
export function tableColumns(db: SqlDatabase, table: string): Set<string> {
  const rows = db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

export function hasTable(db: SqlDatabase, table: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
}
