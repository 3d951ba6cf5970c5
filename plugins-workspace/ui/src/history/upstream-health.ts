/**
 * Upstream health from the raw exchanges: per upstream and model, requests and errors by kind
 * (429, other 4xx, 5xx, connection resets, timeouts, no upstream), latency p50/p95 and time to
 * first byte when the table records it, and the same over time buckets for a chart.
 */
import type { SqlDatabase } from '@hypaware/core';
import { EXCHANGES, MESSAGES, hasTable, tableColumns } from './schema.js';

export type ErrorKind =
  'rate_limited' | 'client_error' | 'server_error' | 'reset' | 'timeout' | 'no_upstream' | 'other';

export interface ExchangeTiming {
  ts_start: string;
  upstream: string | null;
  model: string | null;
  status_code: number | null;
  error: string | null;
  aborted: number | null;
  duration_ms: number | null;
  ttfb_ms: number | null;
}

/** What kind of failure an exchange is, or undefined for a success (a client that left is not the upstream's failure). */
export function errorKind(
  x: Pick<ExchangeTiming, 'status_code' | 'error' | 'aborted' | 'upstream'>,
): ErrorKind | undefined {
  const error = x.error ?? '';
  if (x.upstream === null) return 'no_upstream';
  if (x.status_code === 429) return 'rate_limited';
  if (x.status_code === 504 || /timed? ?out|timeout/i.test(error)) return 'timeout';
  if (x.status_code !== null && x.status_code >= 500) return 'server_error';
  if (/ECONNRESET|socket hang up|reset|terminated|ECONNREFUSED/i.test(error)) return 'reset';
  if (x.status_code !== null && x.status_code >= 400) return 'client_error';
  if (x.status_code === null && x.aborted !== 1) return 'other';
  return undefined;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Stats {
  requests: number;
  errors: Partial<Record<ErrorKind, number>>;
  error_count: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  ttfb_p50_ms: number | null;
  ttfb_p95_ms: number | null;
}

function stats(rows: ExchangeTiming[]): Stats {
  const errors: Partial<Record<ErrorKind, number>> = {};
  let count = 0;
  for (const r of rows) {
    const kind = errorKind(r);
    if (kind) {
      errors[kind] = (errors[kind] ?? 0) + 1;
      count++;
    }
  }
  const durations = rows.flatMap((r) => (r.duration_ms === null ? [] : [r.duration_ms])).sort((a, b) => a - b);
  const ttfb = rows.flatMap((r) => (r.ttfb_ms === null ? [] : [r.ttfb_ms])).sort((a, b) => a - b);
  return {
    requests: rows.length,
    errors,
    error_count: count,
    latency_p50_ms: percentile(durations, 50),
    latency_p95_ms: percentile(durations, 95),
    ttfb_p50_ms: percentile(ttfb, 50),
    ttfb_p95_ms: percentile(ttfb, 95),
  };
}

export interface UpstreamHealth {
  since: string;
  bucket_seconds: number;
  has_ttfb: boolean;
  by_upstream: Array<Stats & { upstream: string | null; model: string | null }>;
  over_time: Array<Stats & { t: string }>;
}

const MAX_EXCHANGES = 200_000;

/** The exchanges that started at or after `since` (ISO-8601), with their model from the rows they produced. */
export function exchangeTimings(db: SqlDatabase, since: string): { rows: ExchangeTiming[]; hasTtfb: boolean } {
  if (!hasTable(db, EXCHANGES)) return { rows: [], hasTtfb: false };
  const hasTtfb = tableColumns(db, EXCHANGES).has('ttfb_ms');
  const model = hasTable(db, MESSAGES)
    ? `(SELECT m.model FROM ${MESSAGES} AS m WHERE m.exchange_id = e.exchange_id AND m.model IS NOT NULL LIMIT 1)`
    : 'NULL';
  const rows = db
    .prepare(
      `SELECT e.ts_start, e.upstream, ${model} AS model, e.status_code, e.error, e.aborted, e.duration_ms,
  ${hasTtfb ? 'e.ttfb_ms' : 'NULL'} AS ttfb_ms
FROM ${EXCHANGES} AS e WHERE e.ts_start >= ? ORDER BY e.ts_start LIMIT ${MAX_EXCHANGES}`,
    )
    .all(since) as ExchangeTiming[];
  return { rows, hasTtfb };
}

export function upstreamHealth(db: SqlDatabase, hours: number, now = new Date()): UpstreamHealth {
  const since = new Date(now.getTime() - hours * 3_600_000).toISOString();
  const { rows, hasTtfb } = exchangeTimings(db, since);
  const groups = new Map<string, ExchangeTiming[]>();
  for (const r of rows) {
    const key = `${r.upstream ?? ''}\u0000${r.model ?? ''}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(r);
  }
  const bucket = hours <= 48 ? 3600 : 86_400;
  const buckets = new Map<string, ExchangeTiming[]>();
  for (const r of rows) {
    const t = new Date(Math.floor(Date.parse(r.ts_start) / 1000 / bucket) * bucket * 1000).toISOString();
    (buckets.get(t) ?? buckets.set(t, []).get(t)!).push(r);
  }
  return {
    since,
    bucket_seconds: bucket,
    has_ttfb: hasTtfb,
    by_upstream: [...groups.values()]
      .map((g) => ({ upstream: g[0]!.upstream, model: g[0]!.model, ...stats(g) }))
      .sort((a, b) => b.requests - a.requests),
    over_time: [...buckets.entries()].map(([t, g]) => ({ t, ...stats(g) })),
  };
}
