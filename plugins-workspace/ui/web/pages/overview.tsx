/** Overview (`#/`): tokens and cost per day, per model, repo, client and tool, and the latest sessions. */
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { getJson } from '../api.js';
import { Chart, barPaths } from '../components/chart.js';
import { DataTable, type Column } from '../components/data-table.js';
import { Stat, Status } from '../components/misc.js';
import { fmtInt, fmtTokens, fmtUsd, repoName } from '../format.js';
import { useLoad } from '../live.js';
import { href, type Route } from '../router.js';
import type { DayUsage, Overview, SessionSummary } from '../types.js';
import { SessionTable } from './sessions.js';

const WINDOWS = [7, 30, 90];

/** Every day of the window, zero where nothing was captured, so the bars keep their place. */
function dailySeries(overview: Overview): uPlot.AlignedData {
  const byDate = new Map<string, DayUsage>(overview.by_day.map((d) => [d.date, d]));
  const xs: number[] = [];
  const input: number[] = [];
  const output: number[] = [];
  const cost: number[] = [];
  const start = Date.parse(`${overview.window.since}T00:00:00Z`);
  for (let i = 0; i < overview.window.days; i++) {
    const t = start + i * 86_400_000;
    const d = byDate.get(new Date(t).toISOString().slice(0, 10));
    xs.push(t / 1000 + 43_200);
    input.push(d ? d.input_tokens + d.cache_read_input_tokens + d.cache_creation_input_tokens : 0);
    output.push(d ? d.output_tokens : 0);
    cost.push(d ? d.estimated_cost_usd : 0);
  }
  return [xs, input, output, cost];
}

const CHART_OPTIONS: Omit<uPlot.Options, 'width' | 'height'> = {
  tzDate: (ts) => new Date(ts * 1000),
  scales: {
    // one slot per day, the bar in its middle
    x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] },
    usd: { range: (_u, _min, max) => [0, Math.max(max * 1.1, 0.01)] },
  },
  series: [
    { label: 'day (UTC)', value: (_u, v) => (v ? new Date(v * 1000).toISOString().slice(0, 10) : '–') },
    {
      label: 'input tokens (incl. cache)',
      stroke: '#6b8fd6',
      fill: 'rgba(107,143,214,0.45)',
      paths: barPaths(0.7),
      value: (_u, v) => fmtTokens(v),
    },
    {
      label: 'output tokens',
      stroke: '#e0913a',
      fill: 'rgba(224,145,58,0.6)',
      paths: barPaths(0.35),
      value: (_u, v) => fmtTokens(v),
    },
    { label: 'est. cost', stroke: '#2e9e6a', width: 2, scale: 'usd', points: { size: 6 }, value: (_u, v) => fmtUsd(v) },
  ],
  axes: [
    {
      space: 60,
      incrs: [86_400, 7 * 86_400, 30 * 86_400],
      values: (_u, vals) => vals.map((v) => new Date(v * 1000).toISOString().slice(5, 10)),
    },
    { values: (_u, vals) => vals.map((v) => fmtTokens(v)), size: 60 },
    { side: 1, scale: 'usd', grid: { show: false }, values: (_u, vals) => vals.map((v) => fmtUsd(v)), size: 70 },
  ],
};

type Row<K extends keyof Overview> = Overview[K] extends Array<infer T> ? T : never;
const inputTokens = (r: {
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}) => r.input_tokens + r.cache_read_input_tokens + r.cache_creation_input_tokens;

const MODEL_COLUMNS: Column<Row<'by_model'>>[] = [
  { label: 'model', cell: (m) => m.model ?? '(none)' },
  { label: 'responses', num: true, cell: (m) => fmtInt(m.responses) },
  { label: 'input', num: true, cell: (m) => fmtTokens(inputTokens(m)) },
  { label: 'output', num: true, cell: (m) => fmtTokens(m.output_tokens) },
  { label: 'est. cost', num: true, cell: (m) => fmtUsd(m.estimated_cost_usd) },
];
const CLIENT_COLUMNS: Column<Row<'by_client'>>[] = [
  { label: 'client', cell: (c) => <a href={href('sessions', undefined, { client: c.client })}>{c.client}</a> },
  { label: 'sessions', num: true, cell: (c) => fmtInt(c.sessions) },
  { label: 'messages', num: true, cell: (c) => fmtInt(c.messages) },
];
const REPO_COLUMNS: Column<Row<'by_repo'>>[] = [
  {
    label: 'repo (cwd)',
    title: (r) => r.cwd ?? '',
    cell: (r) => (r.cwd ? <a href={href('sessions', undefined, { repo: r.cwd })}>{repoName(r.cwd)}</a> : '–'),
  },
  { label: 'sessions', num: true, cell: (r) => fmtInt(r.sessions) },
  { label: 'messages', num: true, cell: (r) => fmtInt(r.messages) },
];
const TOOL_COLUMNS: Column<Row<'tools'>>[] = [
  { label: 'tool', cell: (t) => t.tool_name ?? '(unnamed)' },
  { label: 'calls', num: true, cell: (t) => fmtInt(t.calls) },
  { label: 'sessions', num: true, cell: (t) => fmtInt(t.sessions) },
];

export function OverviewPage({ route, version }: { route: Route; version: string }) {
  const days = Number(route.params.get('days') ?? 7) || 7;
  const state = useLoad(
    () => getJson<{ overview?: Overview; latest?: SessionSummary[]; empty?: boolean }>('/api/overview', { days }),
    [days, version],
  );
  const overview = state.data?.overview;
  const series = useMemo(() => (overview ? dailySeries(overview) : undefined), [overview]);
  return (
    <section>
      <header class="page-head">
        <h1>Overview</h1>
        <nav class="segmented" aria-label="window">
          {WINDOWS.map((d) => (
            <a href={href('overview', undefined, { days: d })} class={d === days ? 'on' : ''}>
              {d} days
            </a>
          ))}
        </nav>
      </header>
      <Status loading={state.loading && !state.data} error={state.error} />
      {state.data?.empty && <p class="muted">No history yet: attach a client (hyp claude attach) and use it.</p>}
      {overview && series && (
        <>
          <p class="muted">
            {overview.window.since} – {overview.window.until} (UTC). Prices as of {overview.prices.as_of}
            {overview.totals.unpriced_models.length > 0 &&
              `; no price for ${overview.totals.unpriced_models.join(', ')}`}
            .
          </p>
          <div class="stats">
            <Stat label="sessions" value={fmtInt(overview.totals.sessions)} raw={overview.totals.sessions} />
            <Stat label="messages" value={fmtInt(overview.totals.messages)} raw={overview.totals.messages} />
            <Stat label="responses" value={fmtInt(overview.totals.responses)} raw={overview.totals.responses} />
            <Stat
              label="input tokens"
              value={fmtTokens(
                overview.totals.input_tokens +
                  overview.totals.cache_read_input_tokens +
                  overview.totals.cache_creation_input_tokens,
              )}
              title="input + cache read + cache write"
            />
            <Stat
              label="output tokens"
              value={fmtTokens(overview.totals.output_tokens)}
              raw={overview.totals.output_tokens}
            />
            <Stat
              label="est. cost"
              value={fmtUsd(overview.totals.estimated_cost_usd)}
              raw={overview.totals.estimated_cost_usd}
            />
          </div>
          <h2>Tokens and cost per day</h2>
          <Chart options={CHART_OPTIONS} data={series} label="tokens and estimated cost per day" />
          <h2>Latest sessions</h2>
          <SessionTable sessions={state.data?.latest ?? []} />
          <div class="columns">
            <div>
              <h2>Models</h2>
              <DataTable columns={MODEL_COLUMNS} rows={overview.by_model} />
              <h2>Clients</h2>
              <DataTable columns={CLIENT_COLUMNS} rows={overview.by_client} />
            </div>
            <div>
              <h2>Repos</h2>
              <DataTable columns={REPO_COLUMNS} rows={overview.by_repo} />
              <h2>Tools</h2>
              <DataTable columns={TOOL_COLUMNS} rows={overview.tools} />
            </div>
          </div>
        </>
      )}
    </section>
  );
}
