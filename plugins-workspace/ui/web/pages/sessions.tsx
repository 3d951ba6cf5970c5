/** Sessions (`#/sessions`): newest first, filtered by window, client, repo and full-text search. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { Status } from '../components/misc.js';
import { fmtInt, fmtTime, fmtTokens, fmtUsd, repoName, shortId } from '../format.js';
import { useLoad } from '../live.js';
import { href, type Route } from '../router.js';
import type { SessionSummary, SessionsPage } from '../types.js';

const PAGE = 50;

export function SessionTable({ sessions }: { sessions: SessionSummary[] }) {
  if (sessions.length === 0) return <p class="muted">No sessions.</p>;
  return (
    <div class="scroll-x">
      <table class="grid sessions">
        <thead>
          <tr>
            <th>last activity</th>
            <th>session</th>
            <th>client</th>
            <th>repo</th>
            <th>branch</th>
            <th>model</th>
            <th class="num">msgs</th>
            <th class="num">tools</th>
            <th class="num">errors</th>
            <th class="num">tokens</th>
            <th class="num">est. cost</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr>
              <td class="nowrap">{fmtTime(s.last_message_at)}</td>
              <td class="prompt">
                <a href={href('session', s.session_id)} title={s.session_id}>
                  {s.first_prompt ? s.first_prompt : shortId(s.session_id)}
                </a>
              </td>
              <td>{s.client_name ?? '–'}</td>
              <td class="repo" title={s.cwd ?? ''}>
                {repoName(s.cwd)}
              </td>
              <td>{s.git_branch ?? '–'}</td>
              <td class="model" title={s.models.join(', ')}>
                {s.model ?? '–'}
              </td>
              <td class="num">{fmtInt(s.messages)}</td>
              <td class="num">{fmtInt(s.tool_calls)}</td>
              <td class={s.errors > 0 ? 'num bad' : 'num'}>{fmtInt(s.errors)}</td>
              <td class="num">
                {fmtTokens(
                  s.input_tokens + s.cache_read_input_tokens + s.cache_creation_input_tokens + s.output_tokens,
                )}
              </td>
              <td class="num">{fmtUsd(s.estimated_cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const FILTERS = ['q', 'client', 'repo', 'since', 'until'] as const;

export function SessionsPage({ route, version }: { route: Route; version: string }) {
  const p = route.params;
  const offset = Number(p.get('offset') ?? 0) || 0;
  const filters = Object.fromEntries(FILTERS.map((k) => [k, p.get(k) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const [draft, setDraft] = useState(filters);
  const [retry, setRetry] = useState(0);
  const state = useLoad(
    () => getJson<SessionsPage>('/api/sessions', { ...filters, offset, limit: PAGE }),
    [p.toString(), version, retry],
  );
  // the search index is still catching up: ask again shortly
  const pending = state.data?.search?.pending ?? 0;
  useEffect(() => {
    if (pending === 0) return;
    const timer = setTimeout(() => setRetry((n) => n + 1), 1000);
    return () => clearTimeout(timer);
  }, [pending, retry]);
  const submit = (e: Event) => {
    e.preventDefault();
    location.hash = href('sessions', undefined, draft);
  };
  const field = (
    key: (typeof FILTERS)[number],
    label: string,
    type: 'text' | 'search' | 'date' = 'text',
    placeholder = '',
  ) => (
    <label>
      {label}
      <input
        type={type as 'text'}
        name={key}
        value={draft[key]}
        placeholder={placeholder}
        onInput={(e) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value })}
      />
    </label>
  );
  const page = state.data;
  return (
    <section>
      <header class="page-head">
        <h1>Sessions</h1>
      </header>
      <form class="filters" onSubmit={submit}>
        {field('q', 'search', 'search', 'text in any message')}
        {field('client', 'client', 'text', 'claude-code, codex…')}
        {field('repo', 'repo', 'text', '/path/prefix')}
        {field('since', 'from', 'date')}
        {field('until', 'to', 'date')}
        <button type="submit">Apply</button>
      </form>
      <Status loading={state.loading && !page} error={state.error} />
      {page?.search && page.search.pending > 0 && (
        <p class="muted">
          Search index: {fmtInt(page.search.indexed)} rows indexed, {fmtInt(page.search.pending)} still to index.
        </p>
      )}
      {page && <SessionTable sessions={page.sessions} />}
      {page && (
        <nav class="pager">
          {offset > 0 && (
            <a href={href('sessions', undefined, { ...filters, offset: Math.max(0, offset - PAGE) })}>← newer</a>
          )}
          {page.has_more && <a href={href('sessions', undefined, { ...filters, offset: offset + PAGE })}>older →</a>}
        </nav>
      )}
    </section>
  );
}
