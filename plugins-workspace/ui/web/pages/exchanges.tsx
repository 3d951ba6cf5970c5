/**
 * Exchanges (`#/exchanges`, `#/exchange/<id>`): the raw HTTP exchanges, newest first (of one
 * session or upstream when asked), and one exchange: timing, redacted headers, bodies, SSE events.
 */
import { getJson } from '../api.js';
import { DataTable, type Column } from '../components/data-table.js';
import { Status } from '../components/misc.js';
import { fmtInt, fmtMs, fmtTime, shortId } from '../format.js';
import { useLoad } from '../live.js';
import { href, type Route } from '../router.js';
import type { ExchangeDetail, ExchangeRow, ShownBody } from '../types.js';

const PAGE = 100;

const COLUMNS: Column<ExchangeRow>[] = [
  { label: 'started', cell: (x) => <a href={href('exchange', x.exchange_id)}>{fmtTime(x.ts_start)}</a> },
  { label: 'upstream', cell: (x) => x.upstream ?? '–' },
  { label: 'request', cell: (x) => `${x.method} ${x.path}` },
  {
    label: 'status',
    num: true,
    cell: (x) => (
      <span class={x.status_code === null || x.status_code >= 400 ? 'bad' : ''}>{x.status_code ?? '–'}</span>
    ),
  },
  { label: 'duration', num: true, cell: (x) => fmtMs(x.duration_ms) },
  { label: 'TTFB', num: true, cell: (x) => fmtMs(x.ttfb_ms) },
  { label: 'SSE events', num: true, cell: (x) => (x.is_sse ? fmtInt(x.stream_event_count) : '–') },
  { label: 'rows', num: true, cell: (x) => fmtInt(x.rows_written) },
  { label: 'error', cell: (x) => (x.error ? <span class="bad">{x.error}</span> : x.aborted ? 'client left' : '') },
];

export function ExchangesPage({ route, version }: { route: Route; version: string }) {
  const session = route.params.get('session') ?? undefined;
  const upstream = route.params.get('upstream') ?? undefined;
  const offset = Number(route.params.get('offset') ?? 0) || 0;
  const state = useLoad(
    () =>
      getJson<{ exchanges: ExchangeRow[]; has_more: boolean }>('/api/exchanges', {
        session,
        upstream,
        offset,
        limit: PAGE,
      }),
    [route.params.toString(), version],
  );
  return (
    <section>
      <header class="page-head">
        <h1>Exchanges</h1>
      </header>
      {session && (
        <p class="muted">
          Of session <a href={href('session', session)}>{shortId(session)}</a> ·{' '}
          <a href={href('exchanges')}>all exchanges</a>
        </p>
      )}
      {upstream && (
        <p class="muted">
          Upstream {upstream} · <a href={href('exchanges')}>all exchanges</a>
        </p>
      )}
      <Status loading={state.loading && !state.data} error={state.error} />
      {state.data && <DataTable columns={COLUMNS} rows={state.data.exchanges} empty="No exchanges." />}
      {state.data && (
        <nav class="pager">
          {offset > 0 && (
            <a href={href('exchanges', undefined, { session, upstream, offset: Math.max(0, offset - PAGE) })}>
              ← newer
            </a>
          )}
          {state.data.has_more && (
            <a href={href('exchanges', undefined, { session, upstream, offset: offset + PAGE })}>older →</a>
          )}
        </nav>
      )}
    </section>
  );
}

function Headers({ headers }: { headers: Record<string, string | string[]> | null }) {
  if (!headers) return <p class="muted">none</p>;
  return (
    <table class="grid headers">
      <tbody>
        {Object.entries(headers).map(([k, v]) => (
          <tr>
            <th>{k}</th>
            <td class="mono">{Array.isArray(v) ? v.join(', ') : v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Body({ body }: { body: ShownBody }) {
  if (body.encoding)
    return (
      <p class="muted">
        {fmtInt(body.bytes)} bytes stored still {body.encoding}-encoded
      </p>
    );
  if (body.text === null) return <p class="muted">empty</p>;
  return (
    <>
      <p class="muted">
        {fmtInt(body.bytes)} bytes{body.truncated ? ' (cut for display)' : ''}
      </p>
      {body.events ? (
        <ol class="events">
          {body.events.map((e) => (
            <li>
              <span class="badge">{e.event}</span> <code>{e.data}</code>
            </li>
          ))}
        </ol>
      ) : (
        <pre class="body">{body.text}</pre>
      )}
    </>
  );
}

export function ExchangePage({ route, version }: { route: Route; version: string }) {
  const id = route.arg ?? '';
  const state = useLoad(() => getJson<ExchangeDetail>(`/api/exchanges/${encodeURIComponent(id)}`), [id, version]);
  const x = state.data;
  return (
    <section>
      <header class="page-head">
        <h1>Exchange</h1>
        <a href={href('exchanges')}>all exchanges →</a>
      </header>
      <Status loading={state.loading && !x} error={state.error} />
      {x && (
        <>
          <p class="mono">
            {x.method} {x.path} → {x.status_code ?? 'no status'} · {x.upstream ?? 'no upstream'} ·{' '}
            {fmtMs(x.duration_ms)}
            {x.ttfb_ms !== null ? ` · TTFB ${fmtMs(x.ttfb_ms)}` : ''}
          </p>
          <p class="muted">
            {fmtTime(x.ts_start)} → {fmtTime(x.ts_end)} · {x.exchange_id}
          </p>
          {x.error && <p class="error-line">{x.error}</p>}
          <div class="columns">
            <div>
              <h2>Request headers (secrets redacted)</h2>
              <Headers headers={x.request_headers} />
            </div>
            <div>
              <h2>Response headers</h2>
              <Headers headers={x.response_headers} />
            </div>
          </div>
          <h2>Request body</h2>
          <Body body={x.request_body} />
          <h2>Response body{x.is_sse ? ' (server-sent events)' : ''}</h2>
          <Body body={x.response_body} />
        </>
      )}
    </section>
  );
}
