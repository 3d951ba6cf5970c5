/** Upstreams (`#/upstreams`): requests, errors by kind, latency and time to first byte per upstream and model. */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { getJson } from '../api.js';
import { Chart } from '../components/chart.js';
import { DataTable, type Column } from '../components/data-table.js';
import { Status } from '../components/misc.js';
import { fmtInt, fmtMs } from '../format.js';
import { useLoad } from '../live.js';
import { href, type Route } from '../router.js';
import type { UpstreamHealth } from '../types.js';

const WINDOWS: Array<[number, string]> = [
  [1, 'last hour'],
  [24, '24 hours'],
  [24 * 7, '7 days'],
];

type Row = UpstreamHealth['by_upstream'][number];

const ERROR_KINDS: Array<[keyof Row['errors'], string]> = [
  ['rate_limited', '429'],
  ['server_error', '5xx'],
  ['client_error', '4xx'],
  ['reset', 'resets'],
  ['timeout', 'timeouts'],
  ['no_upstream', 'no upstream'],
  ['other', 'other'],
];

const COLUMNS: Column<Row>[] = [
  {
    label: 'upstream',
    cell: (r) => (r.upstream ? <a href={href('exchanges', undefined, { upstream: r.upstream })}>{r.upstream}</a> : '–'),
  },
  { label: 'model', cell: (r) => r.model ?? '–' },
  { label: 'requests', num: true, cell: (r) => fmtInt(r.requests) },
  {
    label: 'error rate',
    num: true,
    cell: (r) => (
      <span class={r.error_count > 0 ? 'bad' : ''}>
        {((r.error_count / Math.max(1, r.requests)) * 100).toFixed(1)}%
      </span>
    ),
  },
  ...ERROR_KINDS.map(([k, label]): Column<Row> => ({ label, num: true, cell: (r) => fmtInt(r.errors[k] ?? 0) })),
  { label: 'p50', num: true, cell: (r) => fmtMs(r.latency_p50_ms) },
  { label: 'p95', num: true, cell: (r) => fmtMs(r.latency_p95_ms) },
  { label: 'TTFB p50', num: true, cell: (r) => fmtMs(r.ttfb_p50_ms) },
  { label: 'TTFB p95', num: true, cell: (r) => fmtMs(r.ttfb_p95_ms) },
];

function chartOf(health: UpstreamHealth): {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
} {
  const xs = health.over_time.map((b) => Date.parse(b.t) / 1000);
  const ms = (v: number | null) => (v === null ? null : v);
  const series: uPlot.Series[] = [
    { label: 'time (UTC)' },
    { label: 'latency p50', stroke: '#3b6fd1', width: 2, value: (_u, v) => fmtMs(v) },
    { label: 'latency p95', stroke: '#9fb6e6', width: 2, value: (_u, v) => fmtMs(v) },
    { label: 'TTFB p50', stroke: '#2e9e6a', width: 2, value: (_u, v) => fmtMs(v) },
    { label: 'errors', stroke: '#c8372d', width: 2, scale: 'n', value: (_u, v) => fmtInt(v) },
  ];
  return {
    options: {
      tzDate: (ts) => new Date(ts * 1000),
      series,
      scales: {
        // the whole window, however few buckets have traffic
        x: { time: true, range: () => [Date.parse(health.since) / 1000, Date.now() / 1000] },
        n: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: [
        {},
        { values: (_u, vals) => vals.map((v) => fmtMs(v)), size: 70 },
        { side: 1, scale: 'n', grid: { show: false } },
      ],
    },
    data: [
      xs,
      health.over_time.map((b) => ms(b.latency_p50_ms)),
      health.over_time.map((b) => ms(b.latency_p95_ms)),
      health.over_time.map((b) => ms(b.ttfb_p50_ms)),
      health.over_time.map((b) => b.error_count),
    ] as uPlot.AlignedData,
  };
}

export function UpstreamsPage({ route, version }: { route: Route; version: string }) {
  const hours = Number(route.params.get('hours') ?? 24) || 24;
  const state = useLoad(() => getJson<UpstreamHealth>('/api/upstreams', { hours }), [hours, version]);
  const chart = useMemo(() => (state.data ? chartOf(state.data) : undefined), [state.data]);
  return (
    <section>
      <header class="page-head">
        <h1>Upstreams</h1>
        <nav class="segmented" aria-label="window">
          {WINDOWS.map(([h, label]) => (
            <a href={href('upstreams', undefined, { hours: h })} class={h === hours ? 'on' : ''}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <Status loading={state.loading && !state.data} error={state.error} />
      {state.data && (
        <>
          <p class="muted">
            From the raw exchanges since {state.data.since}.
            {!state.data.has_ttfb && ' This database records no time to first byte (ttfb_ms) yet.'}
          </p>
          <DataTable columns={COLUMNS} rows={state.data.by_upstream} empty="No exchanges in this window." />
          {chart && state.data.over_time.length > 0 && (
            <>
              <h2>Latency and errors over time</h2>
              <Chart options={chart.options} data={chart.data} label="latency and errors over time" />
            </>
          )}
        </>
      )}
    </section>
  );
}
