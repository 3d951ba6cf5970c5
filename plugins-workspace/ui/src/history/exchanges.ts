/**
 * The raw HTTP exchanges (`ai_gateway_exchanges`): a page of them (all, one upstream's, or one
 * session's), and one exchange with its redacted headers and its bodies decompressed,
 * JSON pretty-printed and an event stream listed event by event.
 */
import { gunzipSync } from 'node:zlib';
import { createParser } from 'eventsource-parser';
import type { SqlDatabase } from '@hypaware/core';
import { EXCHANGES, MESSAGES, SESSION_ROWS, hasTable, tableColumns } from './schema.js';
import type { ShownBody } from './exchange-types.js';

/** Body bytes shown per exchange; the rest is cut (the database keeps all of it). */
const BODY_SHOW_BYTES = 256 * 1024;

export interface ExchangeFilter {
  session?: string;
  upstream?: string;
  offset: number;
  limit: number;
}

const LIST_COLUMNS = [
  'exchange_id',
  'ts_start',
  'duration_ms',
  'upstream',
  'provider',
  'method',
  'path',
  'status_code',
  'error',
  'aborted',
  'is_sse',
  'stream_event_count',
  'request_bytes',
  'response_bytes',
  'rows_written',
  'skip_reason',
];

/** `ttfb_ms` when the table has it (a newer gateway adds it), else NULL. */
function optional(db: SqlDatabase, column: string): string {
  return tableColumns(db, EXCHANGES).has(column) ? column : `NULL AS ${column}`;
}

export function listExchanges(
  db: SqlDatabase,
  filter: ExchangeFilter,
): { exchanges: Array<Record<string, unknown>>; has_more: boolean } {
  if (!hasTable(db, EXCHANGES)) return { exchanges: [], has_more: false };
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: filter.limit + 1, offset: filter.offset };
  if (filter.session) {
    where.push(
      `exchange_id IN (SELECT DISTINCT exchange_id FROM ${MESSAGES} WHERE ${SESSION_ROWS} AND exchange_id IS NOT NULL)`,
    );
    params.session = filter.session;
  }
  if (filter.upstream) {
    where.push('upstream = @upstream');
    params.upstream = filter.upstream;
  }
  const rows = db
    .prepare(
      `SELECT ${[...LIST_COLUMNS, optional(db, 'ttfb_ms')].join(', ')} FROM ${EXCHANGES}
${where.length ? `WHERE ${where.join(' AND ')}` : ''}
ORDER BY ts_start DESC LIMIT @limit OFFSET @offset`,
    )
    .all(params) as Array<Record<string, unknown>>;
  return { exchanges: rows.slice(0, filter.limit), has_more: rows.length > filter.limit };
}

function showBody(raw: Buffer | null, encoding: string | null, sse: boolean): ShownBody {
  if (raw === null) return { bytes: 0, text: null, truncated: false, encoding };
  if (encoding) return { bytes: raw.length, text: null, truncated: false, encoding };
  let text: string;
  try {
    text = gunzipSync(raw).toString('utf8');
  } catch {
    return { bytes: raw.length, text: null, truncated: false, encoding: 'unreadable' };
  }
  const bytes = Buffer.byteLength(text);
  const cut = text.length > BODY_SHOW_BYTES ? text.slice(0, BODY_SHOW_BYTES) : text;
  if (sse) return { bytes, text: cut, truncated: cut !== text, encoding: null, events: sseEvents(cut) };
  let shown = cut;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2).slice(0, BODY_SHOW_BYTES);
  } catch {
    // not JSON: as sent
  }
  return { bytes, text: shown, truncated: cut !== text, encoding: null };
}

function sseEvents(text: string): Array<{ event: string; data: string }> {
  const events: Array<{ event: string; data: string }> = [];
  const parser = createParser({ onEvent: (e) => events.push({ event: e.event ?? 'message', data: e.data }) });
  parser.feed(`${text}\n\n`);
  return events;
}

export function exchangeDetail(db: SqlDatabase, id: string): Record<string, unknown> | undefined {
  if (!hasTable(db, EXCHANGES)) return undefined;
  const row = db.prepare(`SELECT * FROM ${EXCHANGES} WHERE exchange_id = ?`).get(id) as
    Record<string, unknown> | undefined;
  if (!row) return undefined;
  const {
    request_body,
    response_body,
    request_body_encoding,
    response_body_encoding,
    request_headers,
    response_headers,
    metadata,
    ...rest
  } = row;
  const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : null);
  return {
    ...rest,
    ttfb_ms: rest.ttfb_ms ?? null,
    request_headers: json(request_headers),
    response_headers: json(response_headers),
    metadata: json(metadata),
    request_body: showBody(request_body as Buffer | null, (request_body_encoding as string | null) ?? null, false),
    response_body: showBody(
      response_body as Buffer | null,
      (response_body_encoding as string | null) ?? null,
      rest.is_sse === 1,
    ),
  };
}
