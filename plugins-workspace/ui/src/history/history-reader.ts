/**
 * Everything the UI and the MCP server read, over one read-only connection: the overview (the
 * gateway's own computation), sessions, a session's replay, and a change marker for polling.
 */
import type { ReadOnlySqlDatabase } from '@hypaware/core';
import type { GatewayHistoryApi, Overview } from '@hypaware/ai-gateway';
import { EXCHANGES, MESSAGES, hasTable } from './schema.js';
import { SessionSummaries, type SessionSummary } from './session-summary.js';
import { sessionKeyPage, type SessionPageRequest } from './session-list.js';
import { replayPage, type ReplayPage } from './session-replay.js';

export interface SessionsPage {
  sessions: SessionSummary[];
  has_more: boolean;
  offset: number;
}

/** Finds the sessions whose messages match a full-text query (the search index). */
export interface SessionSearch {
  sessionsMatching(
    text: string,
    request: SessionPageRequest,
  ): { sessions: Array<{ session_id: string }>; has_more: boolean; indexed: number; pending: number };
}

export class HistoryReader {
  #summaries: SessionSummaries | undefined;

  constructor(
    readonly db: ReadOnlySqlDatabase,
    readonly history: GatewayHistoryApi,
    private readonly search?: SessionSearch,
  ) {}

  /** The gateway's tables exist (a fresh HYP_HOME has none until the gateway first opens the database). */
  ready(): boolean {
    return hasTable(this.db, MESSAGES);
  }

  overview(days: number): Overview {
    return this.history.overview(this.db, { days });
  }

  sessions(
    request: SessionPageRequest & { text?: string },
  ): SessionsPage & { search?: { indexed: number; pending: number } } {
    if (!this.ready()) return { sessions: [], has_more: false, offset: request.offset };
    const text = request.text?.trim();
    if (text && this.search) {
      const found = this.search.sessionsMatching(text, request);
      return {
        sessions: this.#summarize(found.sessions),
        has_more: found.has_more,
        offset: request.offset,
        search: { indexed: found.indexed, pending: found.pending },
      };
    }
    const page = sessionKeyPage(this.db, request);
    return { sessions: this.#summarize(page.sessions), has_more: page.has_more, offset: request.offset };
  }

  session(id: string): SessionSummary | undefined {
    if (!this.ready()) return undefined;
    return this.#summary().get(id);
  }

  replay(id: string, offset: number, limit: number, textBudget?: number): ReplayPage {
    return replayPage(this.db, this.history, id, { offset, limit, ...(textBudget ? { textBudget } : {}) });
  }

  /** Changes when rows are added: the newest rowid of the messages and exchanges tables. */
  version(): string {
    const part = (table: string) =>
      hasTable(this.db, table)
        ? String((this.db.prepare(`SELECT max(rowid) AS r FROM ${table}`).get() as { r: number | null }).r ?? 0)
        : '0';
    return `${part(MESSAGES)}.${part(EXCHANGES)}`;
  }

  #summary(): SessionSummaries {
    return (this.#summaries ??= new SessionSummaries(this.db, this.history));
  }

  #summarize(keys: Array<{ session_id: string }>): SessionSummary[] {
    const summaries = this.#summary();
    return keys.flatMap((k) => {
      const s = summaries.get(k.session_id);
      return s ? [s] : [];
    });
  }
}
