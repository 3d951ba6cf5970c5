// The shipper in this process against a real PostgreSQL: a synthetic history drains into an
// equal replica; a lost cursor replays without a duplicate; a column added to a dataset's spec
// is added to the replica and shipped; rows deleted locally while recent (settlement) leave the
// replica, old ones (retention) stay; values PostgreSQL cannot take as they are (NUL, bad JSON)
// are repaired instead of blocking; rowids reused after the newest rows were deleted still ship.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { DatasetSpec, Logger } from '@hypaware/core';
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import { refreshModelPrices } from '@hypaware/ai-gateway/internal/history/model-prices-table.js';
import { bootKernel, type Kernel } from '@hypaware/core/boot';
import { parseConfig } from '@hypaware/postgres/config';
import { Shipper } from '@hypaware/postgres/shipper';
import { STATE_FILE } from '@hypaware/postgres/state-store';
import { explainError } from '@hypaware/postgres/error-repair';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { postgresSkipReason, startPostgres, type PostgresServer } from '../../harness/postgres.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import {
  assertReplicaEqualsLocal,
  localCount,
  localResponseCosts as localCosts,
  remoteCount,
  remoteResponseCosts,
  type ResponseCost,
} from '../../harness/team-replica.js';

const skip = postgresSkipReason();
const SCHEMA = 'replica';
let pg: PostgresServer;

before(async () => {
  if (!skip) pg = await startPostgres();
});
after(async () => {
  await pg?.close();
});

const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface Home {
  kernel: Kernel;
  db: Database.Database;
  stateDir: string;
  shipper(specs?: DatasetSpec[], machine?: string, userName?: string): Shipper;
}

async function home(options: { schema?: string } = {}): Promise<Home> {
  const hypHome = tempDir('hyp-shipper-');
  const passwordFile = join(hypHome, 'pw');
  writeFileSync(passwordFile, pg.password);
  const slice = { url: pg.url, schema: options.schema ?? SCHEMA, password_file: passwordFile, batch_rows: 500 };
  writeFileSync(
    join(hypHome, 'hypaware-config.json'),
    JSON.stringify({ plugins: { '@hypaware/postgres': slice, '@hypaware/ai-gateway': { listen: '127.0.0.1:0' } } }),
  );
  const kernel = await bootKernel({ mode: 'cli', hypHome, env: { ...process.env, HYP_HOME: hypHome } });
  const db = kernel.database();
  const stateDir = join(hypHome, 'state');
  return {
    kernel,
    db,
    stateDir,
    shipper: (specs = [...kernel.datasets.values()].map((d) => d.spec), machine = 'machine-a', userName = 'tester') =>
      new Shipper({
        config: parseConfig(slice, process.env)!,
        env: {},
        specs,
        costSql: (kernel.capabilities.get('hypaware.ai-gateway')!.value as AiGatewayApi).history.costSql,
        identity: { machine_id: machine, user_name: userName, hostname: 'test', created_at: new Date().toISOString() },
        stateDir,
        db,
        log: quietLog,
        version: '2.0.0',
      }),
  };
}

test('a synthetic history drains into an equal replica; a replay duplicates nothing', { skip }, async (t) => {
  const h = await home();
  t.after(() => h.kernel.shutdown());
  fillSyntheticHistory(h.db, { rows: 2500, days: 30, seed: 11 });
  const shipped = await h.shipper().drain();
  assert.equal(shipped, 2500);
  assert.equal(await remoteCount(pg, SCHEMA, 'ai_gateway_messages', 'machine-a'), 2500);
  await assertReplicaEqualsLocal(pg, SCHEMA, h.db, 'machine-a', 'tester', ['ai_gateway_messages']);

  // the cursor is lost: everything is read again, nothing inserted twice
  rmSync(join(h.stateDir, STATE_FILE));
  const replay = h.shipper();
  assert.equal(await replay.drain(), 2500, 'the whole history is read again');
  assert.equal(await remoteCount(pg, SCHEMA, 'ai_gateway_messages', 'machine-a'), 2500, 'and not inserted twice');
  assert.equal(replay.status().datasets.find((d) => d.name === 'ai_gateway_messages')!.shipped_rows, 0);
  assert.equal(replay.status().datasets.find((d) => d.name === 'ai_gateway_messages')!.backlog_rows, 0);
});

test('a column added to a dataset spec is added to the replica and shipped', { skip }, async (t) => {
  const h = await home({ schema: 'evolving' });
  t.after(() => h.kernel.shutdown());
  fillSyntheticHistory(h.db, { rows: 300, days: 3, seed: 12 });
  // an older gateway, whose messages had no billing column yet, shipped first
  const specs = [...h.kernel.datasets.values()].map((d) => structuredClone(d.spec));
  const messages = specs.find((s) => s.name === 'ai_gateway_messages')!;
  const older = specs.map((s) =>
    s === messages ? { ...s, columns: s.columns.filter((c) => c.name !== 'billing') } : s,
  );
  await h.shipper(older).drain();
  // then another plugin version declares new columns (the kernel adds them to the local table)
  const viewHasBilling = async () =>
    (
      await pg.query(
        `SELECT 1 FROM information_schema.columns WHERE table_schema = 'evolving' AND table_name = 'ai_responses' AND column_name = 'billing'`,
      )
    ).length === 1;
  assert.equal(await viewHasBilling(), false, 'a view column waits for the table column it reads');
  messages.columns.push({ name: 'origin_marker', type: 'string' }, { name: 'lineage_depth', type: 'int' });
  h.db.exec('ALTER TABLE ai_gateway_messages ADD COLUMN origin_marker TEXT');
  h.db.exec('ALTER TABLE ai_gateway_messages ADD COLUMN lineage_depth INTEGER');
  h.db.exec(
    `UPDATE _hyp_datasets SET spec_json = '${JSON.stringify(messages).replace(/'/g, "''")}' WHERE name = 'ai_gateway_messages'`,
  );
  fillSyntheticHistory(h.db, { rows: 200, days: 1, seed: 13 });
  h.db.exec("UPDATE ai_gateway_messages SET origin_marker = 'import', lineage_depth = rowid % 3 WHERE rowid > 300");
  await h.shipper(specs).drain();
  const columns = await pg.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'evolving' AND table_name = 'ai_gateway_messages' AND column_name IN ('origin_marker', 'lineage_depth') ORDER BY 1`,
  );
  assert.deepEqual(
    columns.map((c) => [c.column_name, c.data_type]),
    [
      ['lineage_depth', 'bigint'],
      ['origin_marker', 'text'],
    ],
  );
  await assertReplicaEqualsLocal(pg, 'evolving', h.db, 'machine-a', 'tester', ['ai_gateway_messages']);
  assert.equal(await viewHasBilling(), true, 'the view gains the column once the table has it');
  const marked = await pg.query<{ n: string }>(
    `SELECT count(*) AS n FROM evolving.ai_gateway_messages WHERE origin_marker = 'import'`,
  );
  assert.equal(Number(marked[0]!.n), localCount(h.db, 'ai_gateway_messages') - 300);
});

test('recent rows deleted locally leave the replica; old ones (retention) stay', { skip }, async (t) => {
  const h = await home({ schema: 'settling' });
  t.after(() => h.kernel.shutdown());
  fillSyntheticHistory(h.db, { rows: 400, days: 10, seed: 14, until: new Date(Date.now() - 5 * 86_400_000) });
  const day = 86_400_000;
  // five rows of the last hour (the others are days old)
  h.db
    .prepare('UPDATE ai_gateway_messages SET message_created_at = ? WHERE rowid % 50 = 0 AND rowid <= 250')
    .run(new Date(Date.now() - 3_600_000).toISOString());
  const shipper = h.shipper();
  await shipper.drain();
  const recent = h.db
    .prepare('SELECT part_id FROM ai_gateway_messages WHERE message_created_at >= ? ORDER BY rowid LIMIT 5')
    .pluck()
    .all(new Date(Date.now() - day / 2).toISOString()) as string[];
  const old = h.db
    .prepare('SELECT part_id FROM ai_gateway_messages WHERE message_created_at < ? ORDER BY rowid LIMIT 5')
    .pluck()
    .all(new Date(Date.now() - 3 * day).toISOString()) as string[];
  assert.ok(recent.length === 5 && old.length === 5, `fixture has recent (${recent.length}) and old rows`);
  const del = h.db.prepare('DELETE FROM ai_gateway_messages WHERE part_id = ?');
  for (const id of [...recent, ...old]) del.run(id);
  await shipper.drain();
  const remaining = await pg.query<{ part_id: string }>(
    'SELECT part_id FROM settling.ai_gateway_messages WHERE part_id = ANY($1::text[])',
    [[...recent, ...old]],
  );
  assert.deepEqual(remaining.map((r) => r.part_id).sort(), [...old].sort(), 'only the old rows are left');
});

test('values PostgreSQL refuses as they are are repaired, and reused rowids still ship', { skip }, async (t) => {
  const h = await home({ schema: 'repairs' });
  t.after(() => h.kernel.shutdown());
  fillSyntheticHistory(h.db, { rows: 100, days: 2, seed: 15, until: new Date() });
  h.db.exec(`UPDATE ai_gateway_messages SET content_text = 'a' || char(0) || 'b', tools = 'not json' WHERE rowid = 7`);
  h.db.exec(`UPDATE ai_gateway_messages SET compact_metadata = '{"k":"\\u0000"}' WHERE rowid = 8`);
  const shipper = h.shipper();
  assert.equal(await shipper.drain(), 100);
  const rows = await pg.query<{ rowid_hint: string; content_text: string; tools: unknown; compact_metadata: unknown }>(
    `SELECT content_text, tools, compact_metadata FROM repairs.ai_gateway_messages WHERE part_id IN
       (SELECT unnest($1::text[])) ORDER BY content_text`,
    [h.db.prepare('SELECT part_id FROM ai_gateway_messages WHERE rowid IN (7, 8)').pluck().all()],
  );
  assert.equal(rows.length, 2, 'both rows arrived');
  const repaired = rows.find((r) => r.content_text === 'a\ufffdb')!;
  assert.ok(repaired, 'NUL replaced');
  assert.equal(repaired.tools, 'not json', 'bad JSON kept as a JSON string');
  assert.ok(
    rows.some((r) => JSON.stringify(r.compact_metadata) === '{"k":"\ufffd"}'),
    'JSON NUL escape replaced',
  );

  // the newest rows go (a purge) and new rows take their rowids
  const maxBefore = Number(h.db.prepare('SELECT max(rowid) FROM ai_gateway_messages').pluck().get());
  h.db.exec(`DELETE FROM ai_gateway_messages WHERE rowid > ${maxBefore - 10}`);
  fillSyntheticHistory(h.db, { rows: 30, days: 1, seed: 16, until: new Date() });
  const maxAfter = Number(h.db.prepare('SELECT max(rowid) FROM ai_gateway_messages').pluck().get());
  assert.ok(maxAfter < maxBefore + 30, 'rowids were reused');
  await shipper.drain();
  const local = h.db.prepare('SELECT part_id FROM ai_gateway_messages').pluck().all() as string[];
  const remote = await pg.query<{ n: string }>(
    'SELECT count(*) AS n FROM repairs.ai_gateway_messages WHERE part_id = ANY($1::text[])',
    [local],
  );
  assert.equal(Number(remote[0]!.n), local.length, 'every local row is in the replica');
});

test('an unreachable server: drain throws, the backlog stays, the error explains its repair', { skip }, async (t) => {
  const h = await home({ schema: 'down' });
  t.after(() => h.kernel.shutdown());
  fillSyntheticHistory(h.db, { rows: 10, days: 1, seed: 17 });
  const config = parseConfig({ url: `postgres://nobody@127.0.0.1:1/none` }, {})!;
  const shipper = new Shipper({
    config,
    env: {},
    specs: [...h.kernel.datasets.values()].map((d) => d.spec),
    identity: { machine_id: 'm', user_name: 'u', hostname: 'h', created_at: '' },
    stateDir: h.stateDir,
    db: h.db,
    log: quietLog,
    version: '2.0.0',
  });
  const err = await shipper.drain().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.match(String(err), /ECONNREFUSED/);
  assert.match(
    explainError(err, config).repair,
    /^start PostgreSQL at 127\.0\.0\.1:1 .*pg_isready -h 127\.0\.0\.1 -p 1/,
  );
  assert.equal(shipper.status().datasets.find((d) => d.name === 'ai_gateway_messages')!.backlog_rows, 10);
});

test(
  'the running loop ships new rows, and a reload to another schema starts that one from the beginning',
  { skip },
  async (t) => {
    const h = await home({ schema: 'first' });
    t.after(() => h.kernel.shutdown());
    fillSyntheticHistory(h.db, { rows: 120, days: 1, seed: 18 });
    const statuses: string[] = [];
    const shipper = new Shipper({
      config: parseConfig(
        { url: pg.url, schema: 'first', password_file: join(h.stateDir, '..', 'pw'), poll_ms: 20 },
        {},
      )!,
      env: {},
      specs: [...h.kernel.datasets.values()].map((d) => d.spec),
      identity: { machine_id: 'loop', user_name: 'u', hostname: 'h', created_at: '' },
      stateDir: h.stateDir,
      db: h.db,
      log: quietLog,
      version: '2.0.0',
      onStatus: (s) => statuses.push(s.state),
    });
    shipper.start();
    t.after(() => shipper.stop());
    await waitFor(
      async () => (await remoteCount(pg, 'first', 'ai_gateway_messages').catch(() => 0)) === 120,
      'the first rows',
    );
    fillSyntheticHistory(h.db, { rows: 30, days: 1, seed: 19 });
    await waitFor(async () => (await remoteCount(pg, 'first', 'ai_gateway_messages')) === 150, 'rows written later');
    await waitFor(() => statuses.includes('idle'), 'an idle status');
    shipper.reload(
      parseConfig({ url: pg.url, schema: 'second', password_file: join(h.stateDir, '..', 'pw'), poll_ms: 20 }, {})!,
    );
    await waitFor(
      async () => (await remoteCount(pg, 'second', 'ai_gateway_messages').catch(() => 0)) === 150,
      'the new schema',
    );
    assert.equal(await remoteCount(pg, 'first', 'ai_gateway_messages'), 150, 'the old schema keeps its rows');
    await shipper.stop();
    assert.equal(shipper.status().state, 'stopped');
  },
);

test('prices are mirrored per machine; the replica prices each response as SQLite does', { skip }, async (t) => {
  const schema = 'priced';
  const a = await home({ schema });
  t.after(() => a.kernel.shutdown());
  const b = await home({ schema });
  t.after(() => b.kernel.shutdown());
  fillSyntheticHistory(a.db, { rows: 1500, days: 20, seed: 21 });
  fillSyntheticHistory(b.db, { rows: 400, days: 5, seed: 22 });
  // a few responses of a model no price list knows
  a.db.exec(
    "UPDATE ai_gateway_messages SET model = 'unknown-local-model' WHERE rowid IN (SELECT rowid FROM ai_gateway_messages WHERE output_tokens IS NOT NULL LIMIT 5)",
  );
  // sub-agent rows (the adapters fill these from the client's transcripts)
  a.db.exec(
    "UPDATE ai_gateway_messages SET agent_type = 'Explore', parent_tool_call_id = 'toolu_' || rowid, billing = 'subscription' WHERE rowid % 7 = 0",
  );
  refreshModelPrices(a.db, new Map());
  // machine b prices one model by its own config: its responses keep its own price
  refreshModelPrices(b.db, new Map([['gpt-5-codex', { input: 100, output: 200 }]]));
  await a.shipper().drain();
  await b.shipper(undefined, 'machine-b', 'other').drain();

  const bands = (machine: string) =>
    pg.query(`SELECT * FROM ${schema}.ai_model_prices WHERE hyp_machine_id = $1`, [machine]).then((r) => r.length);
  assert.equal(await bands('machine-a'), localCount(a.db, 'ai_model_prices'));
  assert.equal(await bands('machine-b'), localCount(b.db, 'ai_model_prices'));
  await assertReplicaEqualsLocal(pg, schema, a.db, 'machine-a', 'tester', ['ai_gateway_messages']);
  const typed = await pg.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name = 'ai_gateway_messages' AND column_name IN ('billing', 'agent_type', 'parent_tool_call_id') ORDER BY 1`,
  );
  assert.deepEqual(
    typed.map((c) => [c.column_name, c.data_type]),
    [
      ['agent_type', 'text'],
      ['billing', 'text'],
      ['parent_tool_call_id', 'text'],
    ],
  );
  const explore = await pg.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${schema}.ai_gateway_messages WHERE agent_type = 'Explore' AND parent_tool_call_id LIKE 'toolu_%'`,
  );
  assert.equal(
    Number(explore[0]!.n),
    (a.db.prepare('SELECT count(*) AS n FROM ai_gateway_messages WHERE rowid % 7 = 0').get() as { n: number }).n,
  );
  const local = localCosts(a.db);
  assert.ok(
    local.some(([, c]) => c !== null && c > 0),
    'some responses are priced',
  );
  assert.ok(
    local.some(([, c]) => c === null),
    'the unknown model is not priced',
  );
  assert.deepEqual(await remoteResponseCosts(pg, schema, 'machine-a'), local, 'machine a: the same cost per response');
  assert.deepEqual(await remoteResponseCosts(pg, schema, 'machine-b'), localCosts(b.db), 'machine b: its own prices');
  assert.notDeepEqual(localCosts(b.db), [], 'machine b has responses');

  // sessions: the same sum (up to the order of the additions), the same unpriced count
  const localSessions = a.db
    .prepare('SELECT session_id, cost_usd, unpriced_responses, billing FROM ai_sessions')
    .all() as Array<{
    session_id: string;
    cost_usd: number | null;
    unpriced_responses: number;
    billing: string | null;
  }>;
  const remoteSessions = new Map(
    (
      await pg.query<{
        session_id: string;
        cost_usd: number | null;
        unpriced_responses: string;
        billing: string | null;
      }>(
        `SELECT session_id, cost_usd, unpriced_responses, billing FROM ${schema}.ai_sessions WHERE hyp_machine_id = 'machine-a'`,
      )
    ).map((r) => [r.session_id, r]),
  );
  assert.equal(remoteSessions.size, localSessions.length);
  assert.ok(
    localSessions.some((s) => s.cost_usd !== null && s.cost_usd > 0),
    'some sessions are priced',
  );
  for (const s of localSessions) {
    const r = remoteSessions.get(s.session_id)!;
    assert.equal(Number(r.unpriced_responses), s.unpriced_responses, `${s.session_id}: unpriced responses`);
    assert.equal(r.billing, s.billing, `${s.session_id}: billing`);
    if (s.cost_usd === null) assert.equal(r.cost_usd, null, `${s.session_id}: no cost`);
    else assert.ok(Math.abs(r.cost_usd! - s.cost_usd) <= 1e-9 * Math.max(1, s.cost_usd), `${s.session_id}: cost`);
  }

  // a price refresh rewrites the local table: the replica's copy of machine a follows, b's stays
  const before = await remoteResponseCosts(pg, schema, 'machine-b');
  refreshModelPrices(
    a.db,
    new Map([['unknown-local-model', { input: 1, output: 2, cache_read: 0.1, cache_write: 1.25 }]]),
  );
  const shippedAt = () =>
    pg
      .query<{ t: Date }>(
        `SELECT max(hyp_shipped_at) AS t FROM ${schema}.ai_model_prices WHERE hyp_machine_id = 'machine-a'`,
      )
      .then((r) => r[0]!.t.getTime());
  const first = await shippedAt();
  await a.shipper().drain();
  const second = await shippedAt();
  assert.ok(second > first, 'the changed table is shipped again');
  await a.shipper().drain();
  assert.equal(await shippedAt(), second, 'an unchanged table is not');
  const repriced = localCosts(a.db);
  const unpriced = (costs: ResponseCost[]) => costs.filter(([, c]) => c === null).length;
  assert.ok(unpriced(repriced) < unpriced(local), 'the override prices the unknown model');
  assert.deepEqual(
    await remoteResponseCosts(pg, schema, 'machine-a'),
    repriced,
    'the replica prices with the new bands',
  );
  assert.deepEqual(await remoteResponseCosts(pg, schema, 'machine-b'), before, "machine b's bands are untouched");
});
