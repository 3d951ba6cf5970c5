/**
 * The `capture` section of `hyp status`: where the gateway routes, whether each registered
 * client points at it, what arrived in the last 24 hours, what produced no rows and why, and the
 * daemon's recent errors. Every finding is a Diagnostic with a stable kind and a repair command
 * line. Registered by the gateway with `registerStatusSection`.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import {
  errorMessage,
  type ActivationContext,
  type Diagnostic,
  type SqlDatabase,
  type StatusContext,
  type StatusSourceView,
} from '@hypaware/core';
import type { AiGatewayApi } from '../api-types.js';
import { EXCHANGES_DATASET, MESSAGES_DATASET } from '../datasets.js';
import { GATEWAY_SOURCE_NAME } from '../gateway-paths.js';

const DAY_MS = 86_400_000;
/** How much of the end of the log is read for recent errors. */
const LOG_TAIL_BYTES = 1024 * 1024;
const CLIENT_STATUS_TIMEOUT_MS = 2000;

export interface CaptureStatus {
  gateway: {
    endpoint: string;
    upstreams: string[];
    presets: string[];
    projectors: string[];
    /** the writer thread as the daemon last reported it (status file, every 5 s) */
    writer?: { state: 'writing' | 'idle' | 'parked' | 'starting'; queued: number; written: number; spilled: number };
  } | null;
  clients: Array<{
    name: string;
    attached: boolean | null;
    endpoint: string | null;
    upstream?: string;
    settings_path: string | null;
    stale: boolean;
    detail?: string;
  }>;
  last_24h: {
    since: string;
    messages: number | null;
    exchanges: number | null;
    exchanges_without_rows: number | null;
    without_rows: Array<{ method: string; path: string; reason: string; exchanges: number }>;
  };
  recent_errors: {
    since: string;
    count: number;
    latest: Array<{ ts: string; event: string; plugin: string | null; message: string }>;
  };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function gatewaySection(source: StatusSourceView | undefined): CaptureStatus['gateway'] {
  if (!source?.endpoint) return null;
  const d = source.details ?? {};
  return {
    endpoint: source.endpoint,
    upstreams: strings(d.upstreams),
    presets: strings(d.presets),
    projectors: strings(d.projectors),
    ...writerOf(d.writer),
  };
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function writerOf(v: unknown): { writer?: NonNullable<CaptureStatus['gateway']>['writer'] } {
  if (typeof v !== 'object' || v === null) return {};
  const w = v as Record<string, unknown>;
  const queued = count(w.queued) + count(w.in_flight);
  const state = w.parked === true ? 'parked' : w.ready !== true ? 'starting' : queued > 0 ? 'writing' : 'idle';
  return { writer: { state, queued, written: count(w.written), spilled: count(w.spill_backlog_bytes) } };
}

function origin(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function clientsSection(
  api: AiGatewayApi,
  endpoint: string | undefined,
  diagnostics: Diagnostic[],
): Promise<CaptureStatus['clients']> {
  const clients = api.listClients();
  const running = origin(endpoint);
  const out: CaptureStatus['clients'] = [];
  for (const client of clients) {
    if (typeof client.status !== 'function') {
      out.push({
        name: client.name,
        attached: null,
        endpoint: null,
        settings_path: null,
        stale: false,
        detail: 'this client does not report its attach state',
      });
      continue;
    }
    try {
      const s = await withTimeout(client.status(), CLIENT_STATUS_TIMEOUT_MS);
      const stale = s.attached && running !== undefined && origin(s.endpoint) !== running;
      out.push({
        name: client.name,
        attached: s.attached,
        endpoint: s.endpoint ?? null,
        ...(s.attached && s.upstream ? { upstream: s.upstream } : {}),
        settings_path: s.settings_path,
        stale,
        ...(s.detail ? { detail: s.detail } : {}),
      });
      // A stale attach is the adapters' own finding (client_attach_stale); here it is only marked.
      if (!s.attached) {
        diagnostics.push({
          kind: 'client_attach_missing',
          level: 'info',
          message: `${client.name} is not attached (${s.settings_path}): its traffic does not go through the gateway`,
          repair: `hyp ${client.name} attach`,
        });
      }
    } catch (err) {
      out.push({
        name: client.name,
        attached: null,
        endpoint: null,
        settings_path: null,
        stale: false,
        detail: errorMessage(err),
      });
      diagnostics.push({
        kind: 'client_status_failed',
        level: 'warn',
        message: `${client.name}: cannot read its attach state (${errorMessage(err)})`,
        repair: `hyp ${client.name} attach`,
      });
    }
  }
  return out;
}

function tableExists(db: SqlDatabase, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

const PATHNAME = `CASE WHEN instr(path, '?') > 0 THEN substr(path, 1, instr(path, '?') - 1) ELSE path END`;

function trafficSection(db: SqlDatabase, since: string, diagnostics: Diagnostic[]): CaptureStatus['last_24h'] {
  const out: CaptureStatus['last_24h'] = {
    since,
    messages: null,
    exchanges: null,
    exchanges_without_rows: null,
    without_rows: [],
  };
  if (tableExists(db, MESSAGES_DATASET)) {
    out.messages = (
      db.prepare(`SELECT count(*) AS n FROM ${MESSAGES_DATASET} WHERE message_created_at >= ?`).get(since) as {
        n: number;
      }
    ).n;
  }
  if (!tableExists(db, EXCHANGES_DATASET)) return out;
  const totals = db
    .prepare(
      `SELECT count(*) AS n, count(CASE WHEN COALESCE(rows_written, 0) = 0 THEN 1 END) AS empty FROM ${EXCHANGES_DATASET} WHERE ts_start >= ?`,
    )
    .get(since) as { n: number; empty: number };
  out.exchanges = totals.n;
  out.exchanges_without_rows = totals.empty;
  out.without_rows = db
    .prepare(
      `SELECT method, ${PATHNAME} AS path, COALESCE(skip_reason, CASE WHEN error IS NOT NULL THEN 'error' END, 'nothing_new') AS reason, count(*) AS exchanges
    FROM ${EXCHANGES_DATASET} WHERE ts_start >= ? AND COALESCE(rows_written, 0) = 0
    GROUP BY 1, 2, 3 ORDER BY exchanges DESC, path LIMIT 5`,
    )
    .all(since) as CaptureStatus['last_24h']['without_rows'];

  const byReason = db
    .prepare(
      `SELECT skip_reason AS reason, count(*) AS n, group_concat(DISTINCT method || ' ' || ${PATHNAME}) AS paths
    FROM ${EXCHANGES_DATASET} WHERE ts_start >= ? AND COALESCE(rows_written, 0) = 0 AND skip_reason IN ('no_projector_match', 'all_projectors_failed') GROUP BY 1`,
    )
    .all(since) as Array<{ reason: string; n: number; paths: string }>;
  const sample = (paths: string) => paths.split(',').slice(0, 3).join(', ');
  for (const r of byReason) {
    const query = `hyp query sql "SELECT ts_start, method, path, status_code FROM ${EXCHANGES_DATASET} WHERE skip_reason = '${r.reason}' ORDER BY ts_start DESC LIMIT 20"`;
    if (r.reason === 'no_projector_match') {
      diagnostics.push({
        kind: 'exchanges_unprojected',
        level: 'info',
        message: `${r.n} exchanges in the last 24 h matched no projector, so they produced no rows (${sample(r.paths)})`,
        repair: query,
      });
    } else {
      diagnostics.push({
        kind: 'projection_failed',
        level: 'warn',
        message: `${r.n} exchanges in the last 24 h made every matching projector fail (${sample(r.paths)}); see aigw.projector_failed in the log`,
        repair: query,
      });
    }
  }
  if (totals.n > 0 && out.messages === 0) {
    diagnostics.push({
      kind: 'capture_no_rows',
      level: 'warn',
      message: `${totals.n} exchanges went through the gateway in the last 24 h but no message rows were written`,
      repair: `hyp query sql "SELECT path, skip_reason, error, count(*) AS n FROM ${EXCHANGES_DATASET} WHERE ts_start >= '${since}' GROUP BY 1, 2, 3"`,
    });
  }
  return out;
}

/** The end of the log file as lines (the first, possibly cut, line dropped). */
function logTail(path: string): string[] {
  let fd: number | undefined;
  try {
    const size = statSync(path).size;
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    fd = openSync(path, 'r');
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    return length < size ? lines.slice(1) : lines;
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Errors the daemon and its writer logged since `since` (CLI runs are not counted: they report their own). */
function recentErrors(logFile: string, since: string, diagnostics: Diagnostic[]): CaptureStatus['recent_errors'] {
  const errors: CaptureStatus['recent_errors']['latest'] = [];
  for (const line of logTail(logFile)) {
    if (!line.includes('"level":"error"')) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof record.ts !== 'string' || record.ts < since || record.mode === 'cli') continue;
    const detail = [record.message, record.error, record.reason].find((v) => typeof v === 'string');
    errors.push({
      ts: record.ts,
      event: String(record.event),
      plugin: typeof record.plugin === 'string' ? record.plugin : null,
      message: typeof detail === 'string' ? detail : '',
    });
  }
  const latest = errors.slice(-5).reverse();
  if (errors.length > 0) {
    const last = latest[0]!;
    diagnostics.push({
      kind: 'recent_errors',
      level: 'warn',
      message: `the daemon logged ${errors.length} error${errors.length === 1 ? '' : 's'} since ${since}; latest ${last.ts} ${last.event}${last.message ? `: ${last.message}` : ''}`,
      repair: `grep '"level":"error"' ${logFile} | tail -n 20`,
    });
  }
  return { since, count: errors.length, latest };
}

/**
 * Everything above, for `hyp status`. The traffic window is the last 24 hours; the error window
 * starts at the later of that and the daemon's start, so restarting a repaired daemon clears it.
 */
export async function captureStatus(
  ctx: ActivationContext,
  api: AiGatewayApi,
  status: StatusContext,
  now: Date = new Date(),
): Promise<{ data: CaptureStatus; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const { daemon } = status;
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const errorsSince = daemon.alive && daemon.started_at && daemon.started_at > since ? daemon.started_at : since;
  // this plugin's own source in the daemon's status file, while the daemon runs
  const source = daemon.alive
    ? daemon.sources.find((s) => s.plugin === ctx.plugin.name && s.name === GATEWAY_SOURCE_NAME)
    : undefined;
  const db = status.database();
  const data: CaptureStatus = {
    gateway: gatewaySection(source),
    clients: await clientsSection(api, source?.endpoint, diagnostics),
    last_24h: db
      ? trafficSection(db, since, diagnostics)
      : { since, messages: null, exchanges: null, exchanges_without_rows: null, without_rows: [] },
    recent_errors: recentErrors(status.logFile, errorsSince, diagnostics),
  };
  return { data, diagnostics };
}

/** The section as text, printed by `hyp status` after the datasets. */
export function renderCaptureStatus(c: CaptureStatus): string {
  const lines: string[] = [];
  const w = (s: string) => lines.push(s);
  if (c.gateway) {
    w(`gateway: ${c.gateway.endpoint}`);
    w(
      `  upstreams: ${c.gateway.upstreams.join(', ') || 'none'}${c.gateway.presets.length > 0 ? ` (presets: ${c.gateway.presets.join(', ')})` : ''}`,
    );
    w(`  projectors: ${c.gateway.projectors.join(', ') || 'none'}`);
    const wr = c.gateway.writer;
    if (wr) {
      const what =
        wr.state === 'parked'
          ? 'parked (idle: its memory is given back; the next exchange starts it)'
          : wr.state === 'writing'
            ? `writing, ${wr.queued} exchange(s) waiting`
            : wr.state;
      w(
        `  writer: ${what}; ${wr.written} exchange(s) written since the daemon started${wr.spilled > 0 ? `; ${wr.spilled} bytes waiting on disk` : ''}`,
      );
    }
  }
  if (c.clients.length > 0) {
    w('clients:');
    for (const cl of c.clients) {
      const state =
        cl.attached === null
          ? 'unknown'
          : cl.attached
            ? `attached to ${cl.endpoint ?? '?'}${cl.stale ? ' (STALE)' : ''}${cl.upstream ? `, traffic going on to ${cl.upstream}` : ''}`
            : 'not attached';
      w(
        `  ${cl.name}: ${state}${cl.settings_path ? `  [${cl.settings_path}]` : ''}${cl.detail ? `\n    ${cl.detail}` : ''}`,
      );
    }
  }
  const t = c.last_24h;
  const n = (v: number | null) => (v === null ? 'n/a' : v.toLocaleString('en-US'));
  w(
    `last 24 h: ${n(t.messages)} message rows, ${n(t.exchanges)} exchanges, ${n(t.exchanges_without_rows)} of them without new rows`,
  );
  for (const r of t.without_rows) w(`  ${r.exchanges} x ${r.method} ${r.path}: ${r.reason}`);
  w(`errors logged by the daemon since ${c.recent_errors.since}: ${c.recent_errors.count}`);
  for (const e of c.recent_errors.latest)
    w(`  ${e.ts} ${e.plugin ? `[${e.plugin}] ` : ''}${e.event}${e.message ? `: ${e.message}` : ''}`);
  return lines.map((l) => `${l}\n`).join('');
}
