import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp } from '../../harness/daemon.js';
import { runCli } from './run-cli.js';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { historyHome } from './messages-spec.js';
import {
  readAllRows,
  sumTokens,
  groupBy,
  distinct,
  sessionKey,
  windowDates,
  isCarrier,
  type MessageRow,
} from './history-expectations.js';

const today = new Date().toISOString().slice(0, 10);
const home = await historyHome();
fillSyntheticHistory(home.db, { rows: 900, days: 12, seed: 7 });
const rows = readAllRows(home.db);
home.db.close();

interface OverviewJson {
  window: {
    days: number;
    since: string;
    until: string;
    first_message_at: string | null;
    data_since: string | null;
    data_until: string | null;
  };
  totals: Record<string, number | null> & { unpriced_models: string[]; sessions: number; messages: number };
  by_model: Array<Record<string, number | string | null>>;
  by_day: Array<Record<string, number | string | null>>;
  by_client: Array<{ client: string; sessions: number; messages: number }>;
  by_repo: Array<{ cwd: string | null; sessions: number; messages: number }>;
  tools: Array<{ tool_name: string; calls: number; sessions: number }>;
}

async function overview(args: string[], env: Record<string, string> = {}): Promise<OverviewJson> {
  const r = await runCli(['query', 'overview', '--json', ...args], home.hypHome, env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as OverviewJson;
}

function inWindow(days: number): MessageRow[] {
  const { since, until } = windowDates(today, days);
  return rows.filter((r) => r.date >= since && r.date <= until);
}

/** Anthropic's published list prices for Claude Sonnet 4.5 up to 200k context, USD per 1M tokens (5-minute cache writes). */
const SONNET_4_5 = { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 };

test('overview states its window and sums tokens per model like the rows do', async () => {
  const o = await overview(['--days', '7']);
  const { since, until } = windowDates(today, 7);
  assert.deepEqual({ days: o.window.days, since: o.window.since, until: o.window.until }, { days: 7, since, until });
  const windowRows = inWindow(7);
  assert.ok(windowRows.length > 0 && windowRows.length < rows.length, 'the fixture spreads beyond the window');

  const expectedModels = groupBy(windowRows.filter(isCarrier), (r) => `${r.provider}/${r.model}`);
  assert.equal(o.by_model.length, expectedModels.size);
  for (const [key, list] of expectedModels) {
    const got = o.by_model.find((m) => `${m.provider}/${m.model}` === key);
    assert.ok(got, `model ${key} is listed`);
    const want = sumTokens(list);
    for (const [field, value] of Object.entries(want)) assert.equal(got[field], value, `${key} ${field}`);
  }
  const total = sumTokens(windowRows);
  assert.equal(o.totals.output_tokens, total.output_tokens);
  assert.equal(
    o.totals.cache_read_input_tokens,
    total.cache_read_input_tokens,
    'NULL cache reads are coalesced, not poisoning the sum',
  );
  assert.equal(o.totals.responses, total.responses);
});

test('overview per day and per client, repo and tool match the rows', async () => {
  const o = await overview(['--days', '10']);
  const windowRows = inWindow(10);
  const days = groupBy(windowRows.filter(isCarrier), (r) => r.date);
  assert.deepEqual(
    o.by_day.map((d) => d.date),
    [...days.keys()].sort(),
  );
  for (const d of o.by_day)
    assert.equal(d.output_tokens, sumTokens(days.get(d.date as string)!).output_tokens, `day ${d.date}`);

  const clients = groupBy(windowRows, (r) => r.client_name ?? 'unknown');
  assert.equal(o.by_client.length, clients.size);
  for (const c of o.by_client) {
    const list = clients.get(c.client)!;
    assert.equal(c.sessions, distinct(list, sessionKey), `${c.client} sessions`);
    assert.equal(
      c.messages,
      distinct(list, (r) => r.message_id),
      `${c.client} messages`,
    );
  }
  assert.equal(o.totals.sessions, distinct(windowRows, sessionKey));
  assert.equal(
    o.totals.messages,
    distinct(windowRows, (r) => r.message_id),
  );

  const repos = groupBy(windowRows, (r) => String(r.cwd));
  for (const repo of o.by_repo)
    assert.equal(repo.sessions, distinct(repos.get(String(repo.cwd))!, sessionKey), `repo ${repo.cwd}`);
  const tools = groupBy(
    windowRows.filter((r) => r.part_type === 'tool_call'),
    (r) => String(r.tool_name),
  );
  const topTool = [...tools.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
  assert.equal(o.tools[0]!.tool_name, topTool[0]);
  assert.equal(o.tools[0]!.calls, topTool[1].length);
  assert.equal(
    o.tools.reduce((n, t) => n + t.calls, 0),
    windowRows.filter((r) => r.part_type === 'tool_call').length,
  );
});

test('cost uses the shipped price data, config overrides win, unknown models show tokens only', async () => {
  const o = await overview(['--days', '12']);
  const windowRows = inWindow(12).filter(isCarrier);
  const sonnet = 'claude-sonnet-4-5-20250929';
  const p = SONNET_4_5;
  const t = sumTokens(windowRows.filter((r) => r.model === sonnet));
  const want =
    (t.input_tokens * p.input +
      t.cache_read_input_tokens * p.cache_read +
      t.cache_creation_input_tokens * p.cache_write +
      t.output_tokens * p.output) /
    1e6;
  const got = o.by_model.find((m) => m.model === sonnet)!;
  assert.ok(Math.abs((got.estimated_cost_usd as number) - want) < 1e-9, `${got.estimated_cost_usd} vs ${want}`);
  assert.equal(got.price_key, 'claude-sonnet-4-5');

  const unknown = o.by_model.find((m) => m.model === 'local-experimental-model')!;
  assert.equal(unknown.estimated_cost_usd, null);
  assert.ok((unknown.output_tokens as number) > 0);
  assert.deepEqual(o.totals.unpriced_models, ['local-experimental-model']);
  assert.equal(
    o.totals.unpriced_responses,
    windowRows.filter((r) => r.model === 'local-experimental-model').length,
    'the total says what its cost leaves out',
  );
  const pricedCost = o.by_model.reduce((n, m) => n + ((m.estimated_cost_usd as number | null) ?? 0), 0);
  assert.ok(Math.abs((o.totals.estimated_cost_usd as number) - pricedCost) < 1e-9);

  writeFileSync(
    join(home.hypHome, 'hypaware-config.json'),
    JSON.stringify({
      prices: {
        'local-experimental-model': { input: 1, output: 2, cache_read: 0.5 },
        [sonnet]: { input: 0, output: 0, cache_read: 0, cache_write: 0 },
      },
    }),
  );
  try {
    const priced = await overview(['--days', '12']);
    const local = sumTokens(windowRows.filter((r) => r.model === 'local-experimental-model'));
    const localCost = priced.by_model.find((m) => m.model === 'local-experimental-model')!;
    assert.ok(
      Math.abs(
        (localCost.estimated_cost_usd as number) -
          (local.input_tokens + local.output_tokens * 2 + local.cache_read_input_tokens * 0.5) / 1e6,
      ) < 1e-9,
    );
    assert.equal(localCost.price_source, 'config');
    assert.equal(
      priced.by_model.find((m) => m.model === sonnet)!.estimated_cost_usd,
      0,
      'an exact config entry beats the table',
    );
    assert.deepEqual(priced.totals.unpriced_models, []);
    assert.equal(priced.totals.unpriced_responses, 0);
  } finally {
    writeFileSync(join(home.hypHome, 'hypaware-config.json'), '{}');
  }
});

test('bad prices in the config and bad --days are one clear line', async () => {
  writeFileSync(
    join(home.hypHome, 'hypaware-config.json'),
    JSON.stringify({ prices: { 'gpt-5': { input: 'cheap', output: 1 } } }),
  );
  try {
    const r = await runHyp(['query', 'overview'], { hypHome: home.hypHome });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /prices\.gpt-5\.input: must be a non-negative number/);
  } finally {
    writeFileSync(join(home.hypHome, 'hypaware-config.json'), '{}');
  }
  for (const bad of ['0', 'seven', '-3']) {
    const r = await runCli(['query', 'overview', '--days', bad], home.hypHome);
    assert.equal(r.code, 2, `--days ${bad}: ${r.stderr}`);
    assert.match(r.stderr, /^hyp: .*--days/);
  }
});

test('the text view names the window and every section; --sql prints queries that run as printed', async () => {
  const r = await runHyp(['query', 'overview', '--days', '7'], { hypHome: home.hypHome });
  assert.equal(r.code, 0, r.stderr);
  const { since, until } = windowDates(today, 7);
  assert.match(r.stdout, new RegExp(`^Overview of ai_gateway_messages: ${since} \\.\\. ${until} \\(7 UTC days\\)`));
  for (const section of [
    'Tokens by model',
    'Tokens by day',
    'Sessions and messages by client',
    'Repos (cwd)',
    'Tools called',
  ])
    assert.ok(r.stdout.includes(section), section);
  assert.match(r.stdout, /No price known for local-experimental-model/);

  const sql = await runCli(['query', 'overview', '--days', '7', '--sql'], home.hypHome);
  assert.equal(sql.code, 0, sql.stderr);
  const statements = sql.stdout
    .split(/;\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  assert.equal(statements.length, 5);
  const db = new Database(home.databasePath, { readonly: true });
  try {
    const usage = db.prepare(statements[0]!).all() as Array<{ output_tokens: number }>;
    assert.equal(
      usage.reduce((n, u) => n + u.output_tokens, 0),
      sumTokens(inWindow(7)).output_tokens,
    );
    for (const s of statements) assert.doesNotThrow(() => db.prepare(s).all(), s.split('\n')[0]);
  } finally {
    db.close();
  }
});

test('an empty window says where the data is', async () => {
  const r = await runCli(['query', 'overview', '--days', '1', '--json'], home.hypHome);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout) as OverviewJson;
  const oldest = rows.map((x) => x.date).sort()[0];
  assert.equal(o.window.data_since, oldest);
  const empty = await historyHome();
  empty.db.close();
  const none = await runCli(['query', 'overview'], empty.hypHome);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /no messages captured yet/);
});
