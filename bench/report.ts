/** The benchmark report: targets checked against the figures of this run, a table, the JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaptureFigures } from './capture-phase.js';
import type { HistoryFigures } from './history-phase.js';
import type { ImportFigures } from './import-phase.js';
import type { UiFigures } from './ui-phase.js';
import type { PostgresFigures } from './postgres-phase.js';
import type { PriceRefreshFigures } from './price-refresh-phase.js';
import type { BigBodyFigures, LatencyFigures, LeakFigures, StreamFigures, ThroughputFigures } from './proxy-phases.js';
import { round } from './stats.js';
import type { WriterFigures } from './writer-phase.js';
import { PROXY_NAMES, TARGET_NAMES } from './targets.js';

export interface BenchReport {
  started_at: string;
  finished_at: string;
  duration_s: number;
  machine: { cpus: number; node: string; platform: string };
  plan: string;
  latency_us?: LatencyFigures;
  streaming?: StreamFigures;
  throughput?: ThroughputFigures[];
  leak?: LeakFigures;
  capture?: CaptureFigures;
  big_body?: BigBodyFigures;
  writer?: WriterFigures;
  /** the writer phase on a database that already holds history */
  writer_history?: WriterFigures;
  /** the writer phase with no projector: decoding, redaction, compression, the exchange rows (the floor of capture) */
  writer_floor?: WriterFigures;
  history?: HistoryFigures;
  import?: ImportFigures;
  ui?: UiFigures;
  postgres?: PostgresFigures;
  prices?: PriceRefreshFigures;
  targets: TargetCheck[];
  notes: string[];
}

export interface TargetCheck {
  name: string;
  measured: number | null;
  limit: string;
  met: boolean | null;
}

function check(
  name: string,
  measured: number | null | undefined,
  limit: string,
  ok: (v: number) => boolean,
): TargetCheck {
  const value = measured === undefined || measured === null || !Number.isFinite(measured) ? null : round(measured, 3);
  return { name, measured: value, limit, met: value === null ? null : ok(value) };
}

export function evaluateTargets(r: BenchReport): TargetCheck[] {
  const lat = r.latency_us;
  const c64 = r.throughput?.find((t) => t.connections === 64);
  const complete = r.capture ? r.capture.exchanges >= r.capture.requests_sent : undefined;
  const big = r.big_body;
  return [
    check(
      'added latency p50, gateway / floor',
      lat ? lat.added.gateway.p50 / lat.added.floor.p50 : null,
      '<= 1.3',
      (v) => v <= 1.3,
    ),
    check(
      'added latency p99, gateway / floor',
      lat ? lat.added.gateway.p99 / lat.added.floor.p99 : null,
      '<= 2',
      (v) => v <= 2,
    ),
    check('throughput at 64 connections, gateway / minimal proxy', c64?.gateway_vs_minimal, '>= 1', (v) => v >= 1),
    check(
      'CPU per 1,000 requests at 64 connections, gateway / minimal proxy',
      c64?.gateway_cpu_vs_minimal,
      '<= 2',
      (v) => v <= 2,
    ),
    check(
      'writer catch-up after the 64-connection burst, exchanges/s',
      c64?.writer_exchanges_per_s,
      '>= 3000',
      (v) => v >= 3000,
    ),
    check(
      'capture lag after the 64-connection burst, s',
      c64 ? c64.gateway_capture_lag_ms / 1000 : null,
      '<= 1',
      (v) => v <= 1,
    ),
    check(
      'every exchange captured (exchanges / requests)',
      r.capture ? r.capture.exchanges / r.capture.requests_sent : null,
      '= 1',
      (v) => v >= 1 && complete === true,
    ),
    check(
      'streaming: added first-event time, gateway minus minimal proxy, ms',
      r.streaming ? r.streaming.added_first_event_ms.gateway - r.streaming.added_first_event_ms.minimal : null,
      '<= 0.2',
      (v) => v <= 0.2,
    ),
    check('streaming: added largest per-event lag, ms', r.streaming?.added_largest_lag_ms.gateway, '< 2', (v) => v < 2),
    check(
      'RSS under the 64-connection load, gateway / minimal proxy',
      c64 ? c64.steady_rss_mb.gateway / c64.steady_rss_mb.minimal : null,
      '<= 2',
      (v) => v <= 2,
    ),
    check(
      'gateway RSS idle after the load (writer parked), MB',
      c64?.gateway_parked_rss_mb ?? null,
      '<= 150',
      (v) => v <= 150,
    ),
    check(
      `${big ? Math.round(big.bytes / 1048576) : '?'} MiB body: peak RSS, gateway / minimal proxy`,
      big ? big.peak_rss_mb.gateway / big.peak_rss_mb.minimal : null,
      '<= 2',
      (v) => v <= 2,
    ),
    check('RSS after 20,000 requests vs after warm-up, %', r.leak?.growth_pct, '<= 15', (v) => v <= 15),
    check('Claude hook median, ms', r.history?.hook_median_ms, '< 100', (v) => v < 100),
    check('hyp query overview on 1M rows, ms', r.history?.overview_ms, '< 1000', (v) => v < 1000),
    check(
      'hyp ui sessions page on 1M rows, ms',
      r.ui?.routes.find((x) => x.name.startsWith('sessions, first page'))?.median_ms,
      '< 200',
      (v) => v < 200,
    ),
  ];
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const fmt = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : String(v));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => pad(c, widths[i]!)).join('  ')).join('\n');
}

export function renderReport(r: BenchReport): string {
  const out: string[] = [
    `HypAware benchmark (${r.plan} plan, ${r.machine.cpus} CPUs, node ${r.machine.node}, ${r.duration_s} s)`,
    '',
  ];
  if (r.latency_us) {
    const l = r.latency_us;
    out.push(`Sequential ${'~20 KB'} non-streamed requests (µs; ${l.samples.gateway} per target)`);
    out.push(
      table([
        ['target', 'p50', 'p90', 'p99', 'added p50', 'added p90', 'added p99'],
        [
          'direct',
          fmt(l.percentiles.direct.p50),
          fmt(l.percentiles.direct.p90),
          fmt(l.percentiles.direct.p99),
          '-',
          '-',
          '-',
        ],
        ...PROXY_NAMES.map((t) => [
          t,
          fmt(l.percentiles[t].p50),
          fmt(l.percentiles[t].p90),
          fmt(l.percentiles[t].p99),
          fmt(l.added[t].p50),
          fmt(l.added[t].p90),
          fmt(l.added[t].p99),
        ]),
      ]),
      '',
    );
  }
  if (r.throughput) {
    out.push('Throughput (req/s, closed loop)');
    out.push(
      table([
        [
          'connections',
          'direct',
          'floor',
          'minimal',
          'gateway',
          'gw/direct',
          'gw/floor',
          'gw/minimal',
          'errors (d/f/m/g)',
          'capture lag after the run',
          'writer catch-up',
          'exchanges missing so far',
        ],
        ...r.throughput.map((t) => [
          String(t.connections),
          fmt(t.rps.direct),
          fmt(t.rps.floor),
          fmt(t.rps.minimal),
          fmt(t.rps.gateway),
          fmt(t.gateway_vs_direct),
          fmt(t.gateway_vs_floor),
          fmt(t.gateway_vs_minimal),
          `${t.errors.direct}/${t.errors.floor}/${t.errors.minimal}/${t.errors.gateway}`,
          `${(t.gateway_capture_lag_ms / 1000).toFixed(1)} s`,
          `${fmt(t.gateway_backlog_exchanges)} at ${fmt(t.writer_exchanges_per_s)}/s`,
          fmt(t.gateway_missing_exchanges),
        ]),
      ]),
      '',
    );
    out.push('CPU per 1,000 requests (ms, from /proc, until the writer stored the run) and resident memory');
    out.push(
      table([
        [
          'connections',
          'target',
          'main thread',
          'writer',
          'other threads',
          'total',
          'cores in the load window',
          'RSS under load, MB',
        ],
        ...r.throughput.flatMap((t) =>
          PROXY_NAMES.map((n) => [
            String(t.connections),
            n,
            fmt(t.cpu_ms_per_1000[n].main),
            fmt(t.cpu_ms_per_1000[n].writer),
            fmt(t.cpu_ms_per_1000[n].other),
            fmt(t.cpu_ms_per_1000[n].total),
            `${t.window_cores[n].main} + ${t.window_cores[n].writer} + ${t.window_cores[n].other}`,
            fmt(t.steady_rss_mb[n]),
          ]),
        ),
      ]),
    );
    out.push(
      'gateway total CPU / minimal proxy: ' +
        r.throughput.map((t) => `${t.connections} connections ${fmt(t.gateway_cpu_vs_minimal)}x`).join(', ') +
        '; gateway RSS 1 s after the writer settled: ' +
        r.throughput.map((t) => `${fmt(t.gateway_idle_rss_mb)} MB`).join(', ') +
        '; once the idle writer was parked: ' +
        r.throughput
          .map((t) => (t.gateway_parked_rss_mb === null ? '-' : `${fmt(t.gateway_parked_rss_mb)} MB`))
          .join(', '),
      ...r.throughput
        .filter((t) => t.gateway_parked_rss_by_kind)
        .map(
          (t) =>
            'parked RSS by mapping, MB: ' +
            Object.entries(t.gateway_parked_rss_by_kind!)
              .map(([k, v]) => `${k} ${v}`)
              .join(', '),
        ),
      '',
    );
  }
  if (r.streaming) {
    const s = r.streaming;
    out.push(`Streaming (${s.events_per_stream.direct} SSE events 20 ms apart; ms)`);
    out.push(
      table([
        ['target', 'events', 'first event', 'delivery p50', 'largest lag (median of trials)', 'largest lag (all)'],
        ...TARGET_NAMES.map((t) => [
          t,
          fmt(s.events_per_stream[t]),
          fmt(s.first_event_ms[t]),
          fmt(s.delivery_p50_ms[t]),
          fmt(s.trial_max_median_ms[t]),
          fmt(s.delivery_max_ms[t]),
        ]),
      ]),
    );
    out.push(
      `added first event: ${PROXY_NAMES.map((n) => `${n} ${fmt(s.added_first_event_ms[n])}`).join(', ')}; added largest lag: ${PROXY_NAMES.map((n) => `${n} ${fmt(s.added_largest_lag_ms[n])}`).join(', ')}`,
      '',
    );
  }
  if (r.big_body) {
    const b = r.big_body;
    out.push(
      `${round(b.bytes / 1048576, 0)} MiB request body: ${TARGET_NAMES.map((n) => `${n} ${fmt(b.ms[n])} ms`).join(', ')}; upstream got every byte: ${b.upstream_received_all}`,
    );
    out.push(
      `peak RSS (before -> peak, MB): ${PROXY_NAMES.map((n) => `${n} ${fmt(b.rss_before_mb[n])} -> ${fmt(b.peak_rss_mb[n])}`).join(', ')}; gateway growth ${fmt(b.gateway_peak_growth_mb)} MB, VmHWM ${fmt(b.gateway_hwm_mb)} MB`,
      '',
    );
  }
  for (const w of [r.writer, r.writer_history]) {
    if (!w) continue;
    const on = w.history_rows ? ` on a database holding ${fmt(w.history_rows)} rows of history` : '';
    out.push(
      `Writer alone${on} (${w.exchanges} exchanges, batches of ${w.batch}, ${w.rechecks} re-checks): ${fmt(w.thread_cpu_us_per_exchange)} µs CPU per exchange on its thread + ${fmt(w.other_cpu_us_per_exchange)} µs on other threads (GC helpers): ${fmt(w.exchanges_per_cpu_s)} exchanges per CPU-second (${fmt(w.exchanges_per_wall_s)} per wall second here); ${fmt(w.message_rows)} message rows, ${fmt(w.db_bytes_per_exchange)} database bytes and ${fmt(w.written_bytes_per_exchange)} bytes written (log and checkpoints) per exchange; ${fmt(w.allocated_kb_per_exchange)} KB allocated on its heap per exchange (${fmt(w.minor_gcs)} young and ${fmt(w.major_gcs)} old collections, ${fmt(w.gc_us_per_exchange)} µs of them per exchange)${w.retried_batches ? `; ${w.retried_batches} batch(es) sent again (database held by the kernel's own work)` : ''}`,
      '',
    );
  }
  if (r.writer_floor) {
    const f = r.writer_floor;
    out.push(
      `Capture floor (the writer alone with no projector: bodies decoded, compressed whole and stored, no message row): ${fmt(f.thread_cpu_us_per_exchange)} µs CPU per exchange on its thread + ${fmt(f.other_cpu_us_per_exchange)} µs on other threads: ${fmt(f.exchanges_per_cpu_s)} exchanges per CPU-second (${fmt(f.exchanges_per_wall_s)} per wall second here), ${fmt(f.allocated_kb_per_exchange)} KB allocated per exchange`,
      '',
    );
  }
  if (r.leak)
    out.push(
      `Leak: gateway RSS ${fmt(r.leak.rss_after_warmup_mb)} MB after warm-up, ${fmt(r.leak.rss_after_mb)} MB after ${r.leak.requests} more requests (${fmt(r.leak.growth_pct)} %, ${r.leak.errors} errors); per chunk: ${r.leak.rss_series_mb.join(', ')} MB`,
      '',
    );
  if (r.capture) {
    const c = r.capture;
    out.push(
      `Capture: ${c.requests_sent} requests through the gateway, ${c.exchanges} exchanges recorded (${fmt(c.exchanges_with_error)} with an error), ${c.message_rows} message rows (${c.rows_per_exchange} per exchange), writer settled ${c.settle_ms} ms after the load`,
      '',
    );
  }
  if (r.history) {
    const h = r.history;
    const detail = h.hook_detail as
      | {
          node_floor_median_ms?: number;
          node_floor_no_extra_ca_median_ms?: number;
          previous_command_median_ms?: number;
        }
      | undefined;
    out.push(
      `Claude hook: median ${fmt(h.hook_median_ms)} ms over ${fmt(h.hook_runs)} runs (bare \`node -e 0\`: ${fmt(detail?.node_floor_median_ms)} ms, without NODE_EXTRA_CA_CERTS ${fmt(detail?.node_floor_no_extra_ca_median_ms)} ms; the previous hook command ${fmt(detail?.previous_command_median_ms)} ms)`,
    );
    out.push(
      `Synthetic history (${fmt(h.rows)} rows, ${h.history_cached ? 'reused from an earlier run' : `built in ${fmt(h.build_s)} s`}): overview ${fmt(h.overview_ms)} ms; ${h.queries.map((q) => `${q.name} ${fmt(q.ms)} ms`).join('; ') || 'no sql aggregates'}`,
      '',
    );
  }
  for (const [name, run] of [
    ['hyp claude import', r.import?.claude],
    ['hyp codex import', r.import?.codex],
  ] as const) {
    if (!run) continue;
    out.push(
      `${name}: ${fmt(run.files)} files, ${fmt(run.mb)} MB, ${fmt(run.sessions)} sessions, ${fmt(run.messages)} messages -> ${fmt(run.rows_added)} rows in ${fmt(run.seconds)} s (${fmt(run.rows_per_s)} rows/s, ${fmt(run.mb_per_s)} MB/s), peak RSS ${fmt(run.peak_rss_mb)} MB; again: ${fmt(run.reimport_rows_added)} rows added in ${fmt(run.reimport_seconds)} s`,
    );
    if (name === 'hyp codex import') out.push('');
  }
  if (r.ui) {
    const u = r.ui;
    out.push(
      `hyp ui on ${fmt(u.rows)} rows: ${u.routes.map((x) => `${x.name} ${fmt(x.median_ms)} ms`).join('; ')}`,
      `Search index: ${fmt(u.fts.rows_scanned)} rows scanned in ${fmt(u.fts.build_s)} s (${fmt(u.fts.rows_per_s)} rows/s), ${fmt(u.fts.size_mb)} MB`,
      `FTS trigger on ai_gateway_messages (not used): ${fmt(u.trigger.plain_us_per_row)} us/row without, ${fmt(u.trigger.with_trigger_us_per_row)} us/row with (+${fmt(u.trigger.extra_us_per_row)} us) over ${fmt(u.trigger.rows)} rows`,
      '',
    );
  }
  if (r.postgres) {
    const p = r.postgres;
    out.push(
      `Team history (PostgreSQL): ${fmt(p.rows)} rows drained in ${fmt(p.seconds)} s = ${fmt(p.rows_per_s)} rows/s (CPU: shipper ${fmt(p.shipper_cpu_s)} s, server ${fmt(p.server_cpu_s)} s: ${fmt(p.cpu_bound_rows_per_s)} rows/s with a core each), peak RSS of the shipper ${fmt(p.peak_rss_mb)} MB, ${fmt(p.replica_rows)} rows in the replica${p.sqlite_build_rows_per_s === null ? '' : `; the same rows went into SQLite at ${fmt(p.sqlite_build_rows_per_s)} rows/s`}`,
      '',
    );
  }
  if (r.prices) {
    const p = r.prices;
    out.push(
      `Price refresh on an idle daemon (${fmt(p.rows)} rows, a tick every ${fmt(p.refreshing.interval_ms)} ms, ${fmt(p.ticks)} ticks): +${fmt(p.cpu_ms_per_tick)} ms CPU per tick (main thread +${fmt(p.main_cpu_ms_per_tick)} ms), ${fmt(p.refreshing.threads_started)} worker threads started (${fmt(p.cpu_ms_per_worker)} ms CPU each), idle check ${fmt(p.idle_check_us)} us, RSS peak +${fmt(p.rss_peak_delta_mb)} MB over the control (${fmt(p.refreshing.rss_start_mb)} -> peak ${fmt(p.refreshing.rss_peak_mb)} MB; control ${fmt(p.control.rss_start_mb)} -> ${fmt(p.control.rss_peak_mb)} MB)`,
      '',
    );
  }
  out.push('Targets (ratios from this run)');
  out.push(
    table([
      ['target', 'measured', 'limit', 'met'],
      ...r.targets.map((t) => [t.name, fmt(t.measured), t.limit, t.met === null ? 'n/a' : t.met ? 'yes' : 'NO']),
    ]),
  );
  if (r.notes.length > 0) out.push('', 'Notes:', ...r.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}

export function writeReport(r: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.started_at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  return file;
}
