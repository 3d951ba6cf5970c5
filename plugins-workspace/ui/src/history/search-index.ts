/**
 * Full-text search over message text: an SQLite FTS5 index in this plugin's own file
 * (`<state dir>/search.db`), kept up to date from a rowid cursor over `ai_gateway_messages` by
 * the processes that search (`hyp ui`, `hyp mcp serve`), a bounded batch at a time.
 *
 * Why not triggers on the history table: they would put FTS work on the gateway writer's hot
 * path (see .feature-flow/ui-and-mcp.md for the measured cost), need write access the UI does
 * not take, and could not be dropped without a migration. This index can be deleted at any
 * time and is rebuilt. Contentless (`content=''`): it stores the index, not a second copy of
 * the text. Rows the history later deletes are dropped from the index when they are below
 * the table's lowest rowid (retention); a hit on any other deleted row only names a session,
 * whose summary is read from the live rows.
 */
import Database from 'better-sqlite3';
import type { SqlDatabase } from '@hypaware/core';
import { MESSAGES, SESSION_KEY, hasTable } from './schema.js';
import type { SessionSearch } from './history-reader.js';
import type { SessionPageRequest } from './session-list.js';

const SCHEMA = `
CREATE VIRTUAL TABLE IF NOT EXISTS part_text USING fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS part_session (
  rowid INTEGER PRIMARY KEY, session TEXT NOT NULL, at TEXT NOT NULL, date TEXT NOT NULL, client TEXT, cwd TEXT);
CREATE TABLE IF NOT EXISTS index_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), last_rowid INTEGER NOT NULL);
INSERT OR IGNORE INTO index_cursor (id, last_rowid) VALUES (1, 0);`;

/** The parts worth searching: what people and tools said, not the repeated system prompt. */
const SOURCE = `SELECT rowid, ${SESSION_KEY} AS session, message_created_at AS at, date, client_name AS client, cwd,
  CASE WHEN part_type = 'tool_call' THEN tool_args ELSE content_text END AS text
FROM ${MESSAGES}
WHERE rowid > ? AND role <> 'system' AND (content_text IS NOT NULL OR tool_args IS NOT NULL)
ORDER BY rowid LIMIT ?`;

/** Rows per background batch: about 50 ms of indexing, so requests in between are not held up. */
export const INDEX_BATCH_ROWS = 500;

interface SourceRow {
  rowid: number;
  session: string;
  at: string;
  date: string;
  client: string | null;
  cwd: string | null;
  text: string | null;
}

/** The words of a search box as an FTS5 query: each a quoted phrase (no operators from user text), all required. */
export function ftsQuery(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}_]+/gu);
  if (!words) return undefined;
  return words
    .slice(0, 20)
    .map((w) => `"${w}"`)
    .join(' ');
}

export class SearchIndex implements SessionSearch {
  readonly #db: Database.Database;
  readonly #history: SqlDatabase;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(path: string, history: SqlDatabase) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    this.#history = history;
  }

  cursor(): number {
    return (this.#db.prepare('SELECT last_rowid FROM index_cursor WHERE id = 1').get() as { last_rowid: number })
      .last_rowid;
  }

  /** Rows of the history not indexed yet (rowids above the cursor, all kinds). */
  pending(): number {
    if (!hasTable(this.#history, MESSAGES)) return 0;
    const max = (this.#history.prepare(`SELECT max(rowid) AS m FROM ${MESSAGES}`).get() as { m: number | null }).m;
    return Math.max(0, (max ?? 0) - this.cursor());
  }

  /** Index the next batch; true when more rows are waiting. */
  indexBatch(rows = INDEX_BATCH_ROWS): boolean {
    if (!hasTable(this.#history, MESSAGES)) return false;
    const extent = this.#history.prepare(`SELECT min(rowid) AS lo, max(rowid) AS hi FROM ${MESSAGES}`).get() as {
      lo: number | null;
      hi: number | null;
    };
    let cursor = this.cursor();
    // a history that shrank below the cursor was replaced or rebuilt: start over
    if (cursor > (extent.hi ?? 0)) {
      this.#db.exec(`DELETE FROM part_text; DELETE FROM part_session; UPDATE index_cursor SET last_rowid = 0`);
      cursor = 0;
    }
    const batch = this.#history.prepare(SOURCE).all(cursor, rows) as SourceRow[];
    const insertText = this.#db.prepare('INSERT INTO part_text (rowid, text) VALUES (?, ?)');
    const insertSession = this.#db.prepare(
      'INSERT OR REPLACE INTO part_session (rowid, session, at, date, client, cwd) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const last = batch[batch.length - 1]?.rowid ?? cursor;
    // a short batch read every row there was: the cursor moves to the end the extent saw
    const scanned = batch.length < rows ? Math.max(last, extent.hi ?? cursor) : last;
    this.#db.transaction(() => {
      for (const r of batch) {
        if (!r.text) continue;
        insertText.run(r.rowid, r.text);
        insertSession.run(r.rowid, r.session, r.at, r.date, r.client, r.cwd);
      }
      if (extent.lo !== null) this.#dropBelow(extent.lo);
      this.#db.prepare('UPDATE index_cursor SET last_rowid = ? WHERE id = 1').run(scanned);
    })();
    return batch.length === rows;
  }

  #dropBelow(lowest: number): void {
    const gone = this.#db.prepare('SELECT rowid FROM part_session WHERE rowid < ? LIMIT 5000').all(lowest) as Array<{
      rowid: number;
    }>;
    if (gone.length === 0) return;
    const delText = this.#db.prepare('DELETE FROM part_text WHERE rowid = ?');
    const delSession = this.#db.prepare('DELETE FROM part_session WHERE rowid = ?');
    for (const g of gone) {
      delText.run(g.rowid);
      delSession.run(g.rowid);
    }
  }

  /** Keep indexing in the background: batches back to back while behind, then every `idleMs`. */
  start(idleMs = 2000): void {
    const tick = () => {
      if (this.#stopped) return;
      let more = false;
      try {
        more = this.indexBatch();
      } catch {
        more = false; // the history is busy or being rebuilt: try again later
      }
      this.#timer = setTimeout(tick, more ? 0 : idleMs);
      this.#timer.unref();
    };
    tick();
  }

  sessionsMatching(
    text: string,
    request: SessionPageRequest,
  ): { sessions: Array<{ session_id: string }>; has_more: boolean; indexed: number; pending: number } {
    const match = ftsQuery(text);
    const status = { indexed: this.cursor(), pending: this.pending() };
    if (!match) return { sessions: [], has_more: false, ...status };
    const where = ['part_text MATCH @match'];
    const params: Record<string, unknown> = { match };
    if (request.since) (where.push('p.date >= @since'), (params.since = request.since));
    if (request.until) (where.push('p.date <= @until'), (params.until = request.until));
    if (request.client) (where.push('p.client = @client'), (params.client = request.client));
    if (request.repo) (where.push('substr(p.cwd, 1, length(@repo)) = @repo'), (params.repo = request.repo));
    // newest matches first (rowids grow with capture), distinct sessions until the page is
    // full: a common word stops after a few hundred hits instead of grouping all of them
    const matches = this.#db
      .prepare(
        `SELECT p.session AS session_id FROM part_text JOIN part_session AS p ON p.rowid = part_text.rowid
WHERE ${where.join(' AND ')} ORDER BY part_text.rowid DESC`,
      )
      .iterate(params) as IterableIterator<{ session_id: string }>;
    const wanted = request.offset + request.limit + 1;
    const seen = new Set<string>();
    for (const m of matches) {
      seen.add(m.session_id);
      if (seen.size === wanted) {
        matches.return?.();
        break;
      }
    }
    const rows = [...seen].slice(request.offset).map((session_id) => ({ session_id }));
    return { sessions: rows.slice(0, request.limit), has_more: rows.length > request.limit, ...status };
  }

  /** Bytes of the index file (pages in use). */
  sizeBytes(): number {
    const pages = this.#db.pragma('page_count', { simple: true }) as number;
    const size = this.#db.pragma('page_size', { simple: true }) as number;
    return pages * size;
  }

  close(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#db.close();
  }
}
