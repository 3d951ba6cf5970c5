// Team history: a real gateway daemon ships its history to a real PostgreSQL. Real traffic
// through the fake Anthropic and OpenAI upstreams; the replica equals the local rows column by
// column; a Claude reply shipped under its fallback id and then settled leaves no duplicate; PostgreSQL stopped mid-run (capture goes on, hyp status shows the lag and the error)
// and started again: every row arrives, none twice; a lost cursor replays without duplicates;
// `hyp query sql --remote` reads the replica and its views, read-only; no API key in a pg_dump.
// Cost: the price bands reach PostgreSQL and every response costs there what it costs locally;
// the newer message columns arrive typed; the docs' PostgreSQL cost recipe runs and agrees with
// the local recipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RECIPES } from '@hypaware/ai-gateway/internal/history/recipes.js';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { postgresSkipReason, startPostgres } from '../harness/postgres.js';
import { REPO_ROOT } from '../harness/repo.js';
import { localResponseCosts, remoteResponseCosts, waitForPrices } from '../harness/team-replica.js';
import { waitFor } from '../harness/wait.js';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  assertReplicaEqualsLocal,
  claudeTurnSettledLate,
  homeWithPassword,
  identityOf,
  localCount,
  remoteCount,
  sendTraffic,
  startUpstreams,
  statusJson,
  teamConfig,
  waitForReplica,
} from './team-history-rig.js';

const SCHEMA = 'team';

test('team history in PostgreSQL: replica, outage, replay, remote query', { skip: postgresSkipReason() }, async (t) => {
  const pg = await startPostgres();
  t.after(() => pg.close());
  const upstreams = await startUpstreams();
  t.after(() => upstreams.close());
  const { home, passwordFile } = homeWithPassword(pg.password);
  // the daemon prices the models it saw within half a second (default: 2 s, then every minute)
  const env = { HOME: home, HYP_PRICE_REFRESH_MS: '500' };
  let daemon = await startDaemon({ config: teamConfig(pg, upstreams, passwordFile), env });
  t.after(() => daemon.stop());
  const db = await daemon.waitForDb();
  t.after(() => db.close());

  await sendTraffic(daemon, 4, 'first');
  await waitFor(() => localCount(db, 'ai_gateway_exchanges') >= 8, 'the exchanges to be recorded');
  const identity = identityOf(daemon.hypHome);
  await waitForReplica(pg, SCHEMA, db, identity.machine_id);
  await assertReplicaEqualsLocal(pg, SCHEMA, db, identity.machine_id, identity.user_name);

  // Cost: this machine's price bands reach the replica, and each response costs the same there
  await waitForPrices(pg, SCHEMA, db, identity.machine_id);
  const localCosts = localResponseCosts(db);
  assert.ok(localCosts.length >= 8, 'a response per request');
  assert.ok(
    localCosts.every(([, usd]) => usd !== null && usd > 0),
    `every response of the fake upstreams' models is priced: ${JSON.stringify(localCosts)}`,
  );
  assert.deepEqual(await remoteResponseCosts(pg, SCHEMA, identity.machine_id), localCosts, 'cost_usd per response');
  const newColumns = await pg.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'ai_gateway_messages'
       AND column_name IN ('billing', 'agent_type', 'parent_tool_call_id') ORDER BY 1`,
    [SCHEMA],
  );
  assert.deepEqual(
    newColumns.map((c) => `${c.column_name} ${c.data_type}`),
    ['agent_type text', 'billing text', 'parent_tool_call_id text'],
  );
  const billed = await pg.query<{ billing: string; n: string }>(
    `SELECT billing, count(*) AS n FROM ${SCHEMA}.ai_responses GROUP BY 1 ORDER BY 1`,
  );
  const localBilled = db
    .prepare('SELECT billing, count(*) AS n FROM ai_responses GROUP BY 1 ORDER BY 1')
    .all() as Array<{ billing: string; n: number }>;
  assert.ok(
    localBilled.some((b) => b.billing === 'api'),
    'requests with an API key are billed per token',
  );
  assert.deepEqual(
    billed.map((b) => ({ billing: b.billing, n: Number(b.n) })),
    localBilled,
    'billing per response',
  );

  // A Claude reply is stored under a fallback id, shipped, then settled under its transcript
  // id (the gateway deletes the fallback rows): the replica follows, no stale duplicate.
  const fallbackShipped = (session: string) =>
    waitFor(
      async () =>
        (
          await pg.query(
            `SELECT 1 FROM ${SCHEMA}.ai_gateway_messages WHERE session_id = $1 AND attributes->'claude'->>'identity_source' = 'gateway_fallback'`,
            [session],
          )
        ).length > 0,
      'the fallback rows to reach PostgreSQL',
    ).then(() => undefined);
  const settled = await claudeTurnSettledLate(daemon, home, upstreams.anthropic, db, fallbackShipped);
  await waitForReplica(pg, SCHEMA, db, identity.machine_id);
  await assertReplicaEqualsLocal(pg, SCHEMA, db, identity.machine_id, identity.user_name);
  const stale = await pg.query(
    `SELECT part_id FROM ${SCHEMA}.ai_gateway_messages WHERE session_id = $1 AND attributes->'claude'->>'identity_source' = 'gateway_fallback'`,
    [settled],
  );
  assert.deepEqual(stale, [], 'the settled fallback rows left the replica');

  // PostgreSQL goes away: capture is unaffected, the backlog waits, hyp status says so
  await pg.stop();
  const before = localCount(db, 'ai_gateway_messages');
  await sendTraffic(daemon, 3, 'during the outage');
  await waitFor(() => localCount(db, 'ai_gateway_messages') > before, 'capture during the outage');
  const failing = await waitFor(
    async () => {
      const s = await statusJson(daemon.hypHome, env);
      const team = s.team_history;
      return team?.last_error && team.datasets.some((d: { backlog_rows: number }) => d.backlog_rows > 0)
        ? s
        : undefined;
    },
    'hyp status to show the outage',
    30_000,
    200,
  );
  const messagesLag = failing.team_history.datasets.find((d: { name: string }) => d.name === 'ai_gateway_messages');
  assert.ok(messagesLag.backlog_rows > 0 && messagesLag.oldest_unshipped_at, 'lag in rows and age');
  assert.match(failing.team_history.last_error.repair, /pg_isready|start PostgreSQL/);
  assert.ok(
    failing.diagnostics.some((d: { kind: string }) => d.kind === 'team_history_failing'),
    'a diagnostic names the failure',
  );
  const text = await runHyp(['status'], { hypHome: daemon.hypHome, env });
  assert.match(text.stdout, /team history: PostgreSQL/);
  assert.match(text.stdout, /rows waiting, oldest/);
  assert.match(text.stdout, /repair: /);
  assert.ok(!text.stdout.includes(pg.password), 'no password in hyp status');

  await pg.start();
  await waitForReplica(pg, SCHEMA, db, identity.machine_id);
  await assertReplicaEqualsLocal(pg, SCHEMA, db, identity.machine_id, identity.user_name);
  await waitFor(
    async () => (await statusJson(daemon.hypHome, env)).team_history?.last_error === null,
    'the error to clear once rows ship',
  );

  // The cursor is lost (a crash before it was written, a restored backup): everything is
  // shipped again, and none of it twice.
  await daemon.stop();
  rmSync(join(daemon.hypHome, 'hypaware', 'plugins', '@hypaware', 'postgres', 'shipper-state.json'));
  daemon = await startDaemon({ hypHome: daemon.hypHome, env });
  await waitFor(
    async () => {
      const s = await statusJson(daemon.hypHome, env);
      return s.team_history?.datasets.every((d: { backlog_rows: number }) => d.backlog_rows === 0);
    },
    'the replay to finish',
    60_000,
    200,
  );
  for (const d of ['ai_gateway_messages', 'ai_gateway_exchanges'])
    assert.equal(await remoteCount(pg, SCHEMA, d), localCount(db, d), `${d}: no row twice after the replay`);
  await assertReplicaEqualsLocal(pg, SCHEMA, db, identity.machine_id, identity.user_name);

  // the remote query: same formats, the views, read-only
  const count = await runHyp(
    ['query', 'sql', '--remote', 'SELECT count(*) AS n FROM ai_gateway_messages', '--format', 'json'],
    { hypHome: daemon.hypHome, env },
  );
  assert.equal(count.code, 0, count.stderr);
  assert.deepEqual(JSON.parse(count.stdout), [{ n: localCount(db, 'ai_gateway_messages') }]);
  const localSessions = await runHyp(
    [
      'query',
      'sql',
      'SELECT session_id, responses, output_tokens FROM ai_sessions ORDER BY session_id',
      '--format',
      'json',
    ],
    { hypHome: daemon.hypHome, env },
  );
  const remoteSessions = await runHyp(
    [
      'query',
      'sql',
      '--remote',
      'SELECT session_id, responses, output_tokens FROM ai_sessions ORDER BY session_id',
      '--format',
      'json',
    ],
    { hypHome: daemon.hypHome, env },
  );
  assert.equal(remoteSessions.code, 0, remoteSessions.stderr);
  assert.deepEqual(JSON.parse(remoteSessions.stdout), JSON.parse(localSessions.stdout), 'ai_sessions agree');
  const responses = await runHyp(
    [
      'query',
      'sql',
      '--remote',
      'SELECT count(*) AS n, sum(output_tokens) AS out FROM ai_responses',
      '--format',
      'csv',
    ],
    { hypHome: daemon.hypHome, env },
  );
  const localResponses = await runHyp(
    ['query', 'sql', 'SELECT count(*) AS n, sum(output_tokens) AS out FROM ai_responses', '--format', 'csv'],
    { hypHome: daemon.hypHome, env },
  );
  assert.equal(responses.stdout, localResponses.stdout, 'ai_responses agree');

  // the PostgreSQL cost recipe of docs/team-history.md against the local tokens_by_model recipe
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'team-history.md'), 'utf8');
  const recipe = /## Cost\n[\s\S]*?```sql\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(recipe, 'docs/team-history.md has a cost recipe');
  const byModel = (rows: Array<Record<string, unknown>>) =>
    rows
      .map((r) => [r.provider, r.model, r.responses, r.output, Number(r.cost_usd), r.unpriced].map(String).join(' '))
      .sort();
  const teamCost = await runHyp(['query', 'sql', '--remote', recipe, '--format', 'json'], {
    hypHome: daemon.hypHome,
    env,
  });
  assert.equal(teamCost.code, 0, teamCost.stderr);
  const teamRows = JSON.parse(teamCost.stdout) as Array<Record<string, unknown>>;
  assert.ok(teamRows.every((r) => r.hyp_user_name === identity.user_name));
  const localRecipe = RECIPES.find((r) => r.name === 'tokens_by_model')!;
  const localCost = await runHyp(['query', 'sql', localRecipe.sql, '--format', 'json'], {
    hypHome: daemon.hypHome,
    env,
  });
  assert.equal(localCost.code, 0, localCost.stderr);
  const localRows = JSON.parse(localCost.stdout) as Array<Record<string, unknown>>;
  assert.ok(
    localRows.some((r) => Number(r.cost_usd) > 0),
    'the local recipe shows a cost',
  );
  assert.deepEqual(byModel(teamRows), byModel(localRows), 'the cost recipe agrees');
  const refused = await runHyp(['query', 'sql', '--remote', 'DELETE FROM ai_gateway_messages'], {
    hypHome: daemon.hypHome,
    env,
  });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^hyp: hyp query sql --remote is read-only/);
  const sneaky = await runHyp(
    [
      'query',
      'sql',
      '--remote',
      'WITH gone AS (DELETE FROM ai_gateway_messages RETURNING 1) SELECT count(*) FROM gone',
    ],
    { hypHome: daemon.hypHome, env },
  );
  assert.equal(sneaky.code, 1);
  assert.match(sneaky.stderr, /read-only/);
  assert.equal(await remoteCount(pg, SCHEMA, 'ai_gateway_messages'), localCount(db, 'ai_gateway_messages'));

  // secrets never reach the team database
  const dump = pg.dump();
  assert.ok(dump.includes(identity.machine_id), 'the dump holds the history');
  for (const secret of [ANTHROPIC_KEY, OPENAI_KEY, 'HYPTEAM0000', pg.password])
    assert.ok(!dump.includes(secret), `no ${secret.slice(0, 12)}… in pg_dump`);
});
