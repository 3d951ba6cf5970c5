// Two kernel seams a replicating plugin fills: the remote query provider behind
// `hyp query sql --remote` (same formats as a local query, one provider only, a clear error
// without one), and retention holds (expired rows a plugin has not finished with are kept,
// counted and named by `hyp prune`, and deleted once the hold moves past them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type * as RetentionPolicy from '../../hypaware-core/src/retention/retention-policy.js';
import { kernelModule } from '../daemon/daemon-fixtures.js';
import { tempDir } from '../../harness/repo.js';
import { runCli } from '../query/run-cli.js';
import { bootFixtures, configWithoutBundled, writeConfig } from './kernel-fixtures.js';

/** A plugin folder written for the test: manifest plus an ESM `index.js` with `activate`. */
function writePlugin(parent: string, name: string, activateBody: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'hypaware.plugin.json'),
    JSON.stringify({ name, version: '1.0.0', main: 'index.js', provides: {}, requires: {} }),
  );
  writeFileSync(join(dir, 'index.js'), `export function activate(ctx) {\n${activateBody}\n}\n`);
  return dir;
}

const REMOTE = `
  ctx.registerRemoteQuery({
    describe: () => 'the acme warehouse',
    async query(sql) {
      if (sql.includes('boom')) throw new Error('relation "boom" does not exist\\nLINE 1: ...');
      return { columns: ['n', 'label'], rows: [{ n: 1, label: 'a,b' }, { n: 2n ** 60n, label: null }] };
    },
  });`;

const HOLDING = `
  ctx.registerDataset({
    name: 'acme_events',
    description: 'events',
    columns: [{ name: 'at', type: 'timestamp' }, { name: 'what', type: 'string' }],
    primaryTime: 'at',
    retention: { configKey: 'acme_days', defaultDays: 1 },
  });
  ctx.registerRetentionHold({
    dataset: 'acme_events',
    reason: 'not yet copied to the warehouse',
    keepAfterRowid: () => (ctx.env.ACME_HOLD === undefined ? undefined : Number(ctx.env.ACME_HOLD)),
  });`;

function home(plugins: string[]): string {
  const hypHome = tempDir('hyp-seams-');
  writeConfig(hypHome, configWithoutBundled({ plugin_dirs: plugins }));
  return hypHome;
}

test('hyp query sql --remote prints the provider rows in every format; errors are one line', async () => {
  const dir = tempDir('hyp-remote-plugins-');
  const hypHome = home([writePlugin(dir, 'acme-remote', REMOTE)]);
  const json = await runCli(['query', 'sql', '--remote', 'SELECT 1', '--format', 'json'], hypHome);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), [
    { n: 1, label: 'a,b' },
    { n: '1152921504606846976', label: null },
  ]);
  const csv = await runCli(['query', 'sql', '--remote', 'SELECT 1', '--format', 'csv'], hypHome);
  assert.equal(csv.stdout, 'n,label\r\n1,"a,b"\r\n1152921504606846976,\r\n');
  const table = await runCli(['query', 'sql', '--remote', 'SELECT 1'], hypHome);
  assert.match(table.stdout, /^n +\| label\n/);
  assert.match(table.stdout, /\(2 rows\)\n$/);
  const failed = await runCli(['query', 'sql', '--remote', 'SELECT * FROM boom'], hypHome);
  assert.equal(failed.code, 1);
  assert.equal(failed.stderr, 'hyp: remote query on the acme warehouse failed: relation "boom" does not exist\n');
  const local = await runCli(['query', 'sql', 'SELECT 7 AS seven', '--format', 'json'], hypHome);
  assert.deepEqual(JSON.parse(local.stdout), [{ seven: 7 }], 'without --remote the query stays local');
});

test('hyp query sql --remote without a provider: a clear error, exit 1', async () => {
  const hypHome = home([]);
  const r = await runCli(['query', 'sql', '--remote', 'SELECT 1'], hypHome);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^hyp: hyp query sql --remote: no remote database is configured .*\n$/);
  assert.equal(r.stderr.split('\n').length, 2, 'one line');
});

test('a second remote query provider is refused: its plugin fails to activate, the first keeps answering', async () => {
  const dir = tempDir('hyp-remote-plugins-');
  writePlugin(dir, 'acme-remote', REMOTE);
  writePlugin(dir, 'zeta-remote', REMOTE.replace('the acme warehouse', 'zeta'));
  const { kernel } = await bootFixtures({ bundled: dir });
  try {
    assert.equal(kernel.remoteQuery?.plugin, 'acme-remote');
    const failed = kernel.failed.find((f) => f.name === 'zeta-remote');
    assert.match(failed?.message ?? '', /acme-remote already answers hyp query sql --remote/);
  } finally {
    await kernel.shutdown();
  }
});

test('retention holds: the lowest hold wins, a failing hold keeps everything, no hold changes nothing', async () => {
  const { applyRetentionHolds } = await kernelModule<typeof RetentionPolicy>('retention/retention-policy.js');
  const target = { dataset: 'd', timeColumn: 't', keepDays: 3 };
  const hold = (plugin: string, rowid: () => number | undefined) => ({
    dataset: 'd',
    reason: 'busy',
    plugin,
    keepAfterRowid: rowid,
  });
  assert.deepEqual(applyRetentionHolds([target], [hold('a', () => undefined)]), [target]);
  assert.deepEqual(applyRetentionHolds([target], [hold('a', () => 40), hold('b', () => 12.7)]), [
    { ...target, keepAfterRowid: 12, holdReason: 'a: busy; b: busy' },
  ]);
  const [failing] = applyRetentionHolds(
    [target],
    [
      hold('a', () => {
        throw new Error('state unreadable');
      }),
    ],
  );
  assert.equal(failing!.keepAfterRowid, 0);
  assert.match(failing!.holdReason!, /a: busy \(its hold failed: state unreadable\)/);
  assert.deepEqual(applyRetentionHolds([{ ...target, dataset: 'other' }], [hold('a', () => 1)]), [
    { ...target, dataset: 'other' },
  ]);
});

test('hyp prune keeps expired rows above a hold, says so, and deletes them once released', async () => {
  const dir = tempDir('hyp-hold-plugins-');
  const hypHome = home([writePlugin(dir, 'acme-holder', HOLDING)]);
  const created = await runCli(['query', 'sql', 'SELECT count(*) AS n FROM acme_events'], hypHome);
  assert.equal(created.code, 0, created.stderr);
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'));
  const insert = db.prepare('INSERT INTO acme_events (at, what) VALUES (?, ?)');
  const old = new Date(Date.now() - 5 * 86_400_000).toISOString();
  for (let i = 1; i <= 10; i++) insert.run(old, `event ${i}`);
  insert.run(new Date().toISOString(), 'fresh');
  db.close();
  const prune = async (env: Record<string, string>) => {
    const r = await runCli(['prune', '--json'], hypHome, env);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { results: Array<Record<string, unknown>> }).results.find(
      (x) => x.dataset === 'acme_events',
    );
  };
  const held = await prune({ ACME_HOLD: '4' });
  assert.equal(held?.deleted, 4);
  assert.equal(held?.held, 6);
  assert.equal(held?.remaining, 0);
  assert.equal(held?.held_reason, 'acme-holder: not yet copied to the warehouse');
  const text = await runCli(['prune'], hypHome, { ACME_HOLD: '4' });
  assert.match(text.stdout, /acme_events: kept 6 expired rows held by acme-holder: not yet copied to the warehouse/);
  const released = await prune({ ACME_HOLD: '100' });
  assert.equal(released?.deleted, 6);
  assert.equal(released?.held, 0);
  const left = await runCli(['query', 'sql', 'SELECT what FROM acme_events', '--format', 'json'], hypHome);
  assert.deepEqual(JSON.parse(left.stdout), [{ what: 'fresh' }], 'the row inside retention stays');
});
