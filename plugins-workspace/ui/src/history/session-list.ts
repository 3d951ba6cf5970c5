/**
 * The sessions list, newest activity first, one page at a time. It walks the UTC days of the
 * `date` index backwards from the newest day with rows (a session is listed on the last day it
 * was active) and stops as soon as the page is full, so a page costs the days it covers, not
 * the whole table. Filters: a window of days, client, repo (cwd prefix).
 */
import type { SqlDatabase } from '@hypaware/core';
import { MESSAGES, SESSION_KEY } from './schema.js';

export interface SessionFilter {
  /** first UTC date (YYYY-MM-DD) included */
  since?: string;
  /** last UTC date included */
  until?: string;
  client?: string;
  /** sessions whose cwd starts with this */
  repo?: string;
}

export interface SessionPageRequest extends SessionFilter {
  offset: number;
  limit: number;
}

export interface SessionKeyPage {
  sessions: Array<{ session_id: string; last_message_at: string }>;
  has_more: boolean;
}

const NEWEST_DAY = `SELECT max(date) AS date FROM ${MESSAGES} WHERE date <= @before`;

function dayQuery(filter: SessionFilter): string {
  const where = ['date = @date'];
  if (filter.client) where.push('client_name = @client');
  if (filter.repo) where.push(`substr(cwd, 1, length(@repo)) = @repo`);
  return `SELECT ${SESSION_KEY} AS session_id, max(message_created_at) AS last_message_at
FROM ${MESSAGES} WHERE ${where.join(' AND ')}
GROUP BY 1 ORDER BY 2 DESC`;
}

/** Session keys of one page, newest last activity first. */
export function sessionKeyPage(db: SqlDatabase, request: SessionPageRequest): SessionKeyPage {
  const newest = db.prepare(NEWEST_DAY);
  const perDay = db.prepare(dayQuery(request));
  const seen = new Set<string>();
  const wanted = request.offset + request.limit + 1;
  const ordered: Array<{ session_id: string; last_message_at: string }> = [];
  let before = request.until ?? '9999-12-31';
  while (ordered.length < wanted) {
    const day = (newest.get({ before }) as { date: string | null }).date;
    if (day === null || (request.since !== undefined && day < request.since)) break;
    const params: Record<string, unknown> = { date: day };
    if (request.client) params.client = request.client;
    if (request.repo) params.repo = request.repo;
    for (const row of perDay.all(params) as Array<{ session_id: string; last_message_at: string }>) {
      if (seen.has(row.session_id)) continue;
      seen.add(row.session_id);
      ordered.push(row);
    }
    before = previousDay(day);
  }
  return {
    sessions: ordered.slice(request.offset, request.offset + request.limit),
    has_more: ordered.length > request.offset + request.limit,
  };
}

/** The UTC date before `date` (YYYY-MM-DD); `date <= previous` then excludes `date`. */
function previousDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
