/**
 * Expected overview numbers computed in plain JavaScript from the rows themselves (read back
 * with `SELECT *`), so the tests never compare the overview's SQL with itself.
 */
import type Database from 'better-sqlite3';

export type MessageRow = Record<string, unknown> & {
  provider: string;
  model: string | null;
  date: string;
  session_id: string | null;
  conversation_id: string;
  message_id: string;
  client_name: string | null;
  cwd: string | null;
  part_type: string;
  tool_name: string | null;
  message_created_at: string;
  input_tokens: number | null;
  cache_read_input_tokens: number | null;
  cache_creation_input_tokens: number | null;
  output_tokens: number | null;
  reasoning_tokens: number | null;
};

export function readAllRows(db: Database.Database): MessageRow[] {
  return db.prepare('SELECT * FROM ai_gateway_messages').all() as MessageRow[];
}

export const isCarrier = (r: MessageRow): boolean =>
  r.input_tokens !== null ||
  r.output_tokens !== null ||
  r.cache_read_input_tokens !== null ||
  r.cache_creation_input_tokens !== null ||
  r.reasoning_tokens !== null;

export interface ExpectedTokens {
  responses: number;
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

export function sumTokens(rows: MessageRow[]): ExpectedTokens {
  const t: ExpectedTokens = {
    responses: 0,
    input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
  };
  for (const r of rows.filter(isCarrier)) {
    t.responses++;
    t.input_tokens += r.input_tokens ?? 0;
    t.cache_read_input_tokens += r.cache_read_input_tokens ?? 0;
    t.cache_creation_input_tokens += r.cache_creation_input_tokens ?? 0;
    t.output_tokens += r.output_tokens ?? 0;
    t.reasoning_tokens += r.reasoning_tokens ?? 0;
  }
  return t;
}

export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export const sessionKey = (r: MessageRow): string => r.session_id ?? r.conversation_id;

export function distinct<T>(items: T[], key: (item: T) => string): number {
  return new Set(items.map(key)).size;
}

/** UTC dates `days` long ending on `until` (YYYY-MM-DD). */
export function windowDates(until: string, days: number): { since: string; until: string } {
  const since = new Date(Date.parse(`${until}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { since, until };
}
