/** SQL (`#/sql`): one read-only statement over the history, the documented recipes one click away, CSV download. */
import { useState } from 'preact/hooks';
import { getJson, postJson } from '../api.js';
import { Status } from '../components/misc.js';
import { useLoad } from '../live.js';
import type { Route } from '../router.js';
import type { Recipe, SqlResult } from '../types.js';

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function downloadCsv(result: SqlResult): void {
  const lines = [
    result.columns.map(csvCell).join(','),
    ...result.rows.map((r) => result.columns.map((c) => csvCell(r[c])).join(',')),
  ];
  const url = URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'hypaware-query.csv';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function SqlPage(_props: { route: Route; version: string }) {
  const recipes = useLoad(() => getJson<Recipe[]>('/api/recipes'), []);
  const [sql, setSql] = useState('SELECT client_name, count(*) AS rows FROM ai_gateway_messages GROUP BY 1');
  const [result, setResult] = useState<SqlResult>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (text = sql) => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await postJson<SqlResult>('/api/sql', { sql: text }));
    } catch (err) {
      setResult(undefined);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <header class="page-head">
        <h1>SQL</h1>
      </header>
      <p class="muted">One read-only statement (SQLite). Writes, ATTACH and PRAGMA are refused; at most 1,000 rows.</p>
      <div class="recipes">
        {(recipes.data ?? []).map((r) => (
          <button
            type="button"
            title={r.note}
            onClick={() => {
              setSql(r.sql);
              void run(r.sql);
            }}
          >
            {r.title}
          </button>
        ))}
      </div>
      <textarea
        class="sql"
        spellcheck={false}
        value={sql}
        onInput={(e) => setSql((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void run();
        }}
      />
      <p>
        <button type="button" disabled={busy} onClick={() => void run()}>
          {busy ? 'Running…' : 'Run (Ctrl-Enter)'}
        </button>{' '}
        {result && (
          <button type="button" onClick={() => downloadCsv(result)}>
            Download CSV
          </button>
        )}
      </p>
      <Status loading={false} error={error} />
      {result && (
        <>
          <p class="muted">
            {result.rows.length} {result.rows.length === 1 ? 'row' : 'rows'}
            {result.truncated ? ' (more exist: add a LIMIT or narrow the query)' : ''}
          </p>
          <div class="scroll-x">
            <table class="grid">
              <thead>
                <tr>
                  {result.columns.map((c) => (
                    <th>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {result.rows.map((r) => (
                  <tr>
                    {result.columns.map((c) => (
                      <td class="cell">{r[c] === null ? <span class="muted">NULL</span> : String(r[c])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
