// @hypaware/postgres without a server: the config slice is checked (no password in the file),
// the plugin does nothing until a url is set, the retention hold keeps unshipped rows from
// `hyp prune`, `hyp status` shows the backlog, and `hyp query sql --remote` refuses writes and
// explains an unreachable server in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '@hypaware/postgres/config';
import { STATE_FILE } from '@hypaware/postgres/state-store';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { tempDir } from '../../harness/repo.js';
import { historyHome } from '../query/messages-spec.js';
import { runCli } from '../query/run-cli.js';

const URL_OK = 'postgres://shipper@127.0.0.1:1/team';

test('the config slice: a url without password, known keys, valid tls', () => {
  assert.deepEqual(validateConfig({ url: URL_OK, schema: 'team', tls: { mode: 'require' }, include_bodies: true }), []);
  const issues = (slice: Record<string, unknown>) =>
    validateConfig(slice as never).map((i) => `${i.path}: ${i.message}`);
  assert.match(
    issues({ url: 'postgres://u:secret@h/db' })[0]!,
    /^url: must not carry the password: put it in PGPASSWORD/,
  );
  assert.match(issues({ url: 'mysql://u@h/db' })[0]!, /^url: must start with postgres:\/\//);
  assert.match(issues({ url: 'postgres://u@h:5432' })[0]!, /^url: must name the database/);
  assert.match(issues({ password: 'x' })[0]!, /^password: unknown key/);
  assert.match(issues({ tls: { mode: 'maybe' } })[0]!, /^tls.mode: must be one of disable, require, verify-full/);
  assert.match(issues({ schema: 'Team; DROP' })[0]!, /^schema: must be a lower-case SQL identifier/);
  assert.match(issues({ batch_rows: 0 })[0]!, /^batch_rows: /);
});

async function homeWithHistory(slice: Record<string, unknown> | undefined) {
  const home = await historyHome();
  fillSyntheticHistory(home.db, { rows: 10, days: 3, seed: 3, until: new Date(Date.now() - 10 * 86_400_000) });
  home.db.close();
  const config: Record<string, unknown> = { retention: { messages_days: 2 } };
  if (slice) config.plugins = { '@hypaware/postgres': slice };
  writeFileSync(join(home.hypHome, 'hypaware-config.json'), JSON.stringify(config));
  return home;
}

test('without a url the plugin does nothing: no status section, no hold', async () => {
  const home = await homeWithHistory(undefined);
  const status = await runCli(['status', '--json'], home.hypHome);
  assert.ok(!('team_history' in (JSON.parse(status.stdout) as object)));
  const prune = await runCli(['prune', '--json'], home.hypHome);
  const messages = (JSON.parse(prune.stdout) as { results: Array<Record<string, unknown>> }).results.find(
    (r) => r.dataset === 'ai_gateway_messages',
  );
  assert.equal(messages?.deleted, 10);
  assert.equal(messages?.held, 0);
});

test('configured: unshipped rows are held from retention and shown as backlog', async () => {
  const home = await homeWithHistory({ url: URL_OK, schema: 'team' });
  const stateDir = join(home.hypHome, 'hypaware', 'plugins', '@hypaware', 'postgres');
  mkdirSync(stateDir, { recursive: true });
  // rows up to rowid 3 were committed in PostgreSQL
  writeFileSync(
    join(stateDir, STATE_FILE),
    JSON.stringify({
      target: 'shipper@127.0.0.1:1/team#team',
      cursors: { ai_gateway_messages: 3 },
      shipped_rows: {},
      refused_rows: 0,
    }),
  );
  const status = JSON.parse((await runCli(['status', '--json'], home.hypHome)).stdout) as Record<string, any>;
  const lag = status.team_history.datasets.find((d: { name: string }) => d.name === 'ai_gateway_messages');
  assert.equal(lag.backlog_rows, 7);
  assert.ok(lag.lag_seconds > 9 * 86_400, 'the age of the oldest unshipped row');
  assert.ok(status.diagnostics.some((d: { kind: string }) => d.kind === 'team_history_not_shipping'));
  const text = await runCli(['status'], home.hypHome);
  assert.match(text.stdout, /team history: PostgreSQL shipper@127\.0\.0\.1:1\/team, schema team/);
  assert.match(text.stdout, /ai_gateway_messages: 7 rows waiting, oldest \d+ days old/);

  const prune = await runCli(['prune', '--json'], home.hypHome);
  const messages = (JSON.parse(prune.stdout) as { results: Array<Record<string, unknown>> }).results.find(
    (r) => r.dataset === 'ai_gateway_messages',
  );
  assert.equal(messages?.deleted, 3, 'the shipped rows go');
  assert.equal(messages?.held, 7, 'the others wait for the shipper');
  assert.equal(messages?.held_reason, '@hypaware/postgres: not yet shipped to PostgreSQL');
});

test('hyp query sql --remote: writes refused before connecting; an unreachable server in one line', async () => {
  const hypHome = tempDir('hyp-remote-');
  writeFileSync(
    join(hypHome, 'hypaware-config.json'),
    JSON.stringify({ plugins: { '@hypaware/postgres': { url: URL_OK } } }),
  );
  const refused = await runCli(['query', 'sql', '--remote', '/* x */ UPDATE t SET a = 1'], hypHome);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    'hyp: hyp query sql --remote is read-only: UPDATE statements are refused (use SELECT or WITH)\n',
  );
  const down = await runCli(['query', 'sql', '--remote', 'SELECT 1'], hypHome);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^hyp: cannot reach PostgreSQL shipper@127\.0\.0\.1:1\/team: .*ECONNREFUSED.*pg_isready/);
  assert.equal(down.stderr.split('\n').length, 2, 'one line');
});
