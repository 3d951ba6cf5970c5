// Overview, views, the ten recipes, Parquet export and the library example of docs/library.md over a
// history captured for real (daemon + fake upstreams), checked against what went over the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RECIPES } from 'hypaware';
import { REPO_ROOT, tempDir } from '../../harness/repo.js';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { captureHistory, CLAUDE_MODELS, type WireUsage } from './captured-history.js';
import { historyHome } from './messages-spec.js';
import { readAllRows, isCarrier, distinct, type MessageRow } from './history-expectations.js';
import { assertSameRows } from './parquet-equality.js';
import { libraryExample } from './querying-doc.js';
import { runCli } from './run-cli.js';

const captured = await captureHistory();
const capturedDb = new Database(captured.databasePath, { readonly: true });
const rows = readAllRows(capturedDb);
capturedDb.close();

const synthetic = await historyHome();
fillSyntheticHistory(synthetic.db, { rows: 1500, days: 6, seed: 3 });
const syntheticRows = readAllRows(synthetic.db);
synthetic.db.close();

const TOKEN_KEYS = [
  'input_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
  'output_tokens',
  'reasoning_tokens',
] as const;

function wireTotals(list: WireUsage[]): Record<string, number> {
  return Object.fromEntries(TOKEN_KEYS.map((k) => [k, list.reduce((n, w) => n + w[k], 0)]));
}

async function sqlJson(hypHome: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const r = await runCli(['query', 'sql', sql, '--format', 'json'], hypHome);
  assert.equal(r.code, 0, `${sql.split('\n')[0]}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Array<Record<string, unknown>>;
}

test('overview tokens equal what the fake upstreams answered, per model', async () => {
  const r = await runCli(['query', 'overview', '--days', '1', '--json'], captured.hypHome);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout) as {
    totals: Record<string, unknown>;
    by_model: Array<Record<string, unknown>>;
    by_client: Array<{ client: string; sessions: number }>;
  };
  const total = wireTotals(captured.wire);
  for (const k of TOKEN_KEYS) assert.equal(o.totals[k], total[k], `total ${k}`);
  assert.equal(o.totals.responses, captured.wire.length);
  for (const model of new Set(captured.wire.map((w) => w.model))) {
    const got = o.by_model.find((m) => m.model === model);
    assert.ok(got, `${model} is listed`);
    const want = wireTotals(captured.wire.filter((w) => w.model === model));
    for (const k of TOKEN_KEYS) assert.equal(got[k], want[k], `${model} ${k}`);
  }
  assert.deepEqual(
    o.totals.unpriced_models,
    ['claude-unlisted-test-1'],
    'a model missing from the price table is not guessed',
  );
  assert.equal(o.by_client.find((c) => c.client === 'claude')?.sessions, captured.claudeSessions.length);
});

test('views: ai_responses has one row per response, ai_sessions adds up each session', async () => {
  const responses = await sqlJson(captured.hypHome, 'SELECT * FROM ai_responses');
  assert.equal(responses.length, captured.wire.length);
  assert.equal(
    responses.reduce((n, r) => n + Number(r.output_tokens), 0),
    wireTotals(captured.wire).output_tokens,
  );
  assert.ok(
    responses.every(
      (r) =>
        r.context_tokens ===
        Number(r.input_tokens) + Number(r.cache_read_input_tokens) + Number(r.cache_creation_input_tokens),
    ),
  );

  const sessions = await sqlJson(captured.hypHome, 'SELECT * FROM ai_sessions');
  const claudeWire = captured.wire.filter((w) => w.model.startsWith('claude'));
  for (const [i, id] of captured.claudeSessions.entries()) {
    const s = sessions.find((x) => x.session_id === id);
    assert.ok(s, `session ${id}`);
    const mine = rows.filter((r) => r.session_id === id);
    assert.equal(
      s.messages,
      distinct(mine, (r) => r.message_id),
    );
    assert.equal(s.responses, 3);
    assert.equal(s.tool_calls, 1);
    assert.equal(s.model, CLAUDE_MODELS[i % CLAUDE_MODELS.length]);
    assert.equal(
      s.output_tokens,
      wireTotals(claudeWire.slice(3 * i, 3 * i + 3)).output_tokens,
      'the session got the usage of its own three replies',
    );
    assert.equal(s.client_name, 'claude');
  }
});

/** Per recipe: a check of its answer on the captured history or on the synthetic one. */
const RECIPE_CHECKS: Record<
  string,
  { on: 'captured' | 'synthetic'; check(result: Array<Record<string, unknown>>): void }
> = {
  tokens_by_model: {
    on: 'captured',
    check: (res) => {
      for (const model of new Set(captured.wire.map((w) => w.model))) {
        assert.equal(
          res.find((r) => r.model === model)?.output,
          wireTotals(captured.wire.filter((w) => w.model === model)).output_tokens,
          model,
        );
      }
    },
  },
  daily_cache_hits: {
    on: 'captured',
    check: (res) => {
      const t = wireTotals(captured.wire);
      assert.equal(res.length, 1);
      assert.equal(res[0]!.context, t.input_tokens! + t.cache_read_input_tokens! + t.cache_creation_input_tokens!);
      assert.equal(
        res[0]!.cache_hit_pct,
        Math.round((1000 * t.cache_read_input_tokens!) / Number(res[0]!.context)) / 10,
      );
    },
  },
  recent_sessions: {
    on: 'captured',
    check: (res) => {
      assert.equal(
        res.length,
        distinct(rows, (r) => r.session_id ?? r.conversation_id),
      );
      for (const id of captured.claudeSessions)
        assert.ok(
          res.some((r) => r.session_id === id),
          id,
        );
    },
  },
  tools_by_repo: {
    on: 'synthetic',
    check: (res) => {
      const calls = syntheticRows.filter((r) => r.part_type === 'tool_call');
      const top = res[0]!;
      assert.equal(top.calls, calls.filter((r) => r.cwd === top.cwd && r.tool_name === top.tool_name).length);
    },
  },
  shell_commands: {
    on: 'captured',
    check: (res) => {
      assert.equal(res.find((r) => r.tool_name === 'Bash')?.runs, captured.claudeSessions.length);
      assert.equal(res.find((r) => r.tool_name === 'Bash')?.command, 'ls -la');
      assert.equal(res.find((r) => r.tool_name === 'shell')?.command, '["bash","-lc","ls"]');
    },
  },
  files_edited: {
    on: 'synthetic',
    check: (res) => {
      const edits = syntheticRows.filter(
        (r) => r.part_type === 'tool_call' && ['Edit', 'Write'].includes(String(r.tool_name)),
      );
      const top = res[0]!;
      assert.equal(
        top.edits,
        edits.filter((r) => (JSON.parse(String(r.tool_args)) as { file_path: string }).file_path === top.file).length,
      );
    },
  },
  failing_tools: {
    on: 'synthetic',
    check: (res) => {
      const calls = new Map(
        syntheticRows.filter((r) => r.part_type === 'tool_call').map((r) => [r.tool_call_id, r.tool_name]),
      );
      const failed = syntheticRows.filter((r) => r.part_type === 'tool_result' && r.is_error === 1);
      assert.equal(
        res.reduce((n, r) => n + Number(r.failures), 0),
        failed.length,
      );
      for (const r of res)
        assert.equal(
          r.failures,
          failed.filter((f) => calls.get(f.tool_result_for) === r.tool_name).length,
          String(r.tool_name),
        );
    },
  },
  search_text: {
    on: 'synthetic',
    check: (res) => {
      const hits = syntheticRows
        .filter((r: MessageRow) => String(r.content_text ?? '').includes('error'))
        .sort((a, b) => b.message_created_at.localeCompare(a.message_created_at));
      assert.equal(res.length, Math.min(20, hits.length));
      assert.equal(res[0]!.message_created_at, hits[0]!.message_created_at);
    },
  },
  replay_session: {
    on: 'captured',
    check: (res) => {
      const latest = [...rows]
        .filter((r) => r.session_id !== null)
        .sort((a, b) => b.message_created_at.localeCompare(a.message_created_at))[0]!;
      assert.equal(res.length, rows.filter((r) => r.session_id === latest.session_id).length);
    },
  },
  exchanges_without_rows: {
    on: 'captured',
    check: (res) => {
      assert.deepEqual(res, [
        { method: 'POST', path: '/v1/embeddings', status_code: 404, reason: 'no_projector_match', exchanges: 2 },
      ]);
    },
  },
};

test('each of the ten documented queries runs and answers what it says', async () => {
  assert.deepEqual(Object.keys(RECIPE_CHECKS).sort(), RECIPES.map((r) => r.name).sort(), 'every recipe has a check');
  for (const recipe of RECIPES) {
    const { on, check } = RECIPE_CHECKS[recipe.name]!;
    const res = await sqlJson(on === 'captured' ? captured.hypHome : synthetic.hypHome, recipe.sql);
    assert.ok(res.length > 0, `${recipe.name} returns rows on the ${on} history`);
    check(res);
  }
  assert.ok(rows.filter(isCarrier).length > 0);
});

test('Parquet export of captured messages and raw exchanges reads back equal in DuckDB', async () => {
  for (const [dataset, orderBy] of [
    ['ai_gateway_messages', 'part_id'],
    ['ai_gateway_exchanges', 'exchange_id'],
  ] as const) {
    const out = tempDir('hyp-export-');
    const r = await runCli(['export', 'parquet', '--dataset', dataset, '--out', out], captured.hypHome);
    assert.equal(r.code, 0, r.stderr);
    const n = await assertSameRows(captured.databasePath, dataset, out, orderBy);
    assert.equal(n, dataset === 'ai_gateway_exchanges' ? captured.exchanges : rows.length);
  }
});

test('hyp query schema lists every dataset and the views as they really are; JSON functions read JSON columns', async () => {
  const schema = await runCli(['query', 'schema', '--json'], captured.hypHome);
  assert.equal(schema.code, 0, schema.stderr);
  const listed = JSON.parse(schema.stdout) as Array<{ name: string; columns: Array<{ name: string }> }>;
  for (const name of ['ai_gateway_messages', 'ai_gateway_exchanges', 'ai_responses', 'ai_sessions'])
    assert.ok(
      listed.some((d) => d.name === name),
      name,
    );
  for (const view of ['ai_responses', 'ai_sessions']) {
    const real = await sqlJson(captured.hypHome, `SELECT name FROM pragma_table_info('${view}')`);
    assert.deepEqual(
      listed.find((d) => d.name === view)!.columns.map((c) => c.name),
      real.map((c) => c.name),
      `${view}: documented columns are the view's columns`,
    );
  }
  const headers = await sqlJson(
    captured.hypHome,
    `SELECT json_extract(request_headers, '$."x-api-key"') AS key, request_headers ->> '$."anthropic-version"' AS version
    FROM ai_gateway_exchanges WHERE path LIKE '/v1/messages%'`,
  );
  assert.equal(headers.length, captured.claudeSessions.length * 3);
  assert.ok(
    headers.every((h) => h.version === '2023-06-01' && h.key === '[redacted]'),
    'headers are JSON, secrets redacted',
  );
  const secret = await sqlJson(
    captured.hypHome,
    `SELECT count(*) AS n FROM ai_gateway_exchanges WHERE instr(request_headers, 'notARealKey') > 0`,
  );
  assert.equal(secret[0]!.n, 0);
});

test('the docs/library.md example runs as printed', () => {
  const cwd = tempDir('hyp-library-example-');
  const data = join(cwd, 'hyp-data', 'hypaware');
  mkdirSync(data, { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(captured.databasePath + suffix))
      copyFileSync(captured.databasePath + suffix, join(data, `hypaware.db${suffix}`));
  }
  // Inside the repository, so that `import ... from 'hypaware'` resolves to this package.
  const script = join(REPO_ROOT, 'build', `library-example-${process.pid}.mjs`);
  writeFileSync(script, libraryExample());
  const run = spawnSync(process.execPath, [script], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, HOME: cwd },
  });
  rmSync(script);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[0]!, /^gateway listening at http:\/\/127\.0\.0\.1:\d+$/);
  const printed = JSON.parse(lines[lines.length - 1]!) as { models: Array<{ model: string }>; output_tokens: number };
  assert.deepEqual(
    printed.models.map((m) => m.model),
    [...new Set(rows.map((r) => r.model))].sort(),
  );
  assert.equal(printed.output_tokens, wireTotals(captured.wire).output_tokens);
});
