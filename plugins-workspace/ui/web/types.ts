/** The JSON the server's routes answer (see plugins-workspace/ui/src/history). */
export type { SessionSummary } from '../src/history/session-summary.js';
export type { ReplayPart, ReplayPage } from '../src/history/session-replay.js';
import type { SessionSummary } from '../src/history/session-summary.js';

export interface SessionsPage {
  sessions: SessionSummary[];
  has_more: boolean;
  offset: number;
  search?: { indexed: number; pending: number };
}

export type { DayUsage, Overview } from '@hypaware/ai-gateway';
export type { Recipe } from '@hypaware/ai-gateway';
export type { ReadOnlyResult as SqlResult } from '@hypaware/core';
export type { UpstreamHealth } from '../src/history/upstream-health.js';
export type { ShownBody } from '../src/history/exchange-types.js';

export interface ExchangeRow {
  exchange_id: string;
  ts_start: string;
  duration_ms: number | null;
  ttfb_ms: number | null;
  upstream: string | null;
  method: string;
  path: string;
  status_code: number | null;
  error: string | null;
  aborted: number | null;
  is_sse: number | null;
  stream_event_count: number | null;
  rows_written: number | null;
}

export interface ExchangeDetail extends ExchangeRow {
  ts_end: string | null;
  request_headers: Record<string, string | string[]> | null;
  response_headers: Record<string, string | string[]> | null;
  request_body: import('../src/history/exchange-types.js').ShownBody;
  response_body: import('../src/history/exchange-types.js').ShownBody;
}
