// The kernel's generic services for a plugin's own history, through a third-party fixture that
// names nothing of the bundled plugins: views, retention declared per dataset (with an older key
// in the plugin's slice), the default export, commands in a kernel group, status sections and
// config sections. Real `hyp` processes, every bundled plugin disabled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { configWithoutBundled, fixturePlugin, writeConfig } from './kernel-fixtures.js';

const DAY = 86_400_000;
const OWNER = 'acme-history-owner';

function home(config: Record<string, unknown> = {}, slice: Record<string, unknown> = {}): string {
  const hypHome = tempDir('hyp-services-');
  writeConfig(
    hypHome,
    configWithoutBundled({
      plugin_dirs: [fixturePlugin('third-party', 'history-owner')],
      plugins: { [OWNER]: slice },
      ...config,
    }),
  );
  return hypHome;
}

async function hyp(args: string[], hypHome: string): Promise<string> {
  const r = await runHyp(args, { hypHome });
  assert.equal(r.code, 0, `hyp ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Rows at 1, 10 and 40 days ago (two of kind a, one of kind b), written once a `hyp` command has made the table. */
function fill(hypHome: string): void {
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'));
  const insert = db.prepare('INSERT INTO acme_events (at, kind) VALUES (?, ?)');
  for (const [days, kind] of [
    [1, 'a'],
    [10, 'a'],
    [40, 'b'],
  ] as const)
    insert.run(new Date(Date.now() - days * DAY).toISOString(), kind);
  db.close();
}

interface PruneReport {
  policy: Record<string, number | null>;
  limits: Array<{ dataset: string; config_key: string; keep_days: number | null; from: string }>;
  results: Array<{ dataset: string; deleted: number }>;
}

test('a registered view is kept in the database and listed by hyp query schema; a group command reads it', async () => {
  const hypHome = home();
  const schema = JSON.parse(await hyp(['query', 'schema', '--json'], hypHome)) as Array<{
    name: string;
    description: string;
    columns: Array<{ name: string }>;
  }>;
  assert.deepEqual(
    schema.map((s) => s.name),
    ['acme_events', 'acme_kinds'],
  );
  assert.equal(schema[1]!.description, 'view: events per kind');
  assert.deepEqual(
    schema[1]!.columns.map((c) => c.name),
    ['kind', 'events', 'last_at'],
  );
  await hyp(['query', 'sql', 'SELECT 1'], hypHome); // creates the database, its table and view
  fill(hypHome);
  assert.deepEqual(JSON.parse(await hyp(['query', 'tally', '--json'], hypHome)), [
    { kind: 'a', events: 2 },
    { kind: 'b', events: 1 },
  ]);
  assert.equal(
    await hyp(['query', 'sql', "SELECT events FROM acme_kinds WHERE kind = 'a'", '--format', 'csv'], hypHome),
    'events\r\n2\r\n',
  );
  assert.match(await hyp(['query', '--help'], hypHome), /tally \[options\]\s+events per kind \[acme-history-owner\]/);
});

test('a status section: its key before diagnostics, its text, its findings; a group command with a built-in name is dropped alone', async () => {
  const hypHome = home({ prices: { 'acme-model': { input: 1, output: 2 } } });
  await hyp(['query', 'sql', 'SELECT 1'], hypHome); // creates the database
  const report = JSON.parse(await hyp(['status', '--json'], hypHome)) as Record<string, unknown> & {
    diagnostics: Array<{ kind: string; message: string }>;
  };
  assert.deepEqual(Object.keys(report), [
    'version',
    'hyp_home',
    'config',
    'daemon',
    'plugins',
    'capabilities',
    'datasets',
    'counters',
    'capture',
    'tally',
    'diagnostics',
  ]);
  assert.equal(report.capture, null, 'no plugin fills the capture section');
  assert.deepEqual(report.tally, { events: 0, priced: ['acme-model'] });
  assert.ok(report.diagnostics.some((d) => d.kind === 'acme_no_events'));
  assert.ok(
    report.diagnostics.some(
      (d) =>
        d.kind === 'plugin_command_failed' &&
        d.message === `plugin ${OWNER}: command hyp query sql is not added: hyp has a built-in command with that name`,
    ),
  );
  fill(hypHome);
  assert.match(await hyp(['status'], hypHome), /^tally: 3 events$/m);
  assert.equal(
    await hyp(['query', 'sql', 'SELECT 1 AS one', '--format', 'csv'], hypHome),
    'one\r\n1\r\n',
    'the built-in hyp query sql is untouched',
  );
});

test('retention: the declared default, the older key of the plugin slice, then the retention object, which wins', async () => {
  const byDefault = home();
  await hyp(['query', 'sql', 'SELECT 1'], byDefault);
  fill(byDefault);
  const d = JSON.parse(await hyp(['prune', '--json', '--dry-run'], byDefault)) as PruneReport;
  assert.deepEqual(d.policy, { events_days: null });
  assert.deepEqual(d.limits, [{ dataset: 'acme_events', config_key: 'events_days', keep_days: 30, from: 'default' }]);
  assert.deepEqual(
    d.results.map((r) => [r.dataset, r.deleted]),
    [['acme_events', 1]],
  );

  const older = home({}, { keep_days: 5 });
  await hyp(['query', 'sql', 'SELECT 1'], older);
  fill(older);
  const o = JSON.parse(await hyp(['prune', '--json'], older)) as PruneReport;
  assert.deepEqual(
    o.limits.map((l) => [l.keep_days, l.from]),
    [[5, 'plugin']],
  );
  assert.deepEqual(
    o.results.map((r) => r.deleted),
    [2],
  );

  const both = home({ retention: { events_days: 20 } }, { keep_days: 5 });
  await hyp(['query', 'sql', 'SELECT 1'], both);
  fill(both);
  const b = JSON.parse(await hyp(['prune', '--json'], both)) as PruneReport;
  assert.deepEqual(b.policy, { events_days: 20 });
  assert.deepEqual(
    b.limits.map((l) => [l.keep_days, l.from]),
    [[20, 'retention']],
  );
  assert.deepEqual(
    b.results.map((r) => r.deleted),
    [1],
  );
  const again = JSON.parse(await hyp(['prune', '--json'], both)) as PruneReport;
  assert.deepEqual(again.results, [], 'nothing left to prune: no result');

  const unknown = home({ retention: { messages_days: 3 } });
  const r = await runHyp(['prune'], { hypHome: unknown });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^hyp: config retention\.messages_days: unknown key \(expected events_days\)\n$/);
});

test('hyp export parquet without --dataset exports the dataset its owner marked as the default export', async () => {
  const hypHome = home();
  await hyp(['query', 'sql', 'SELECT 1'], hypHome);
  fill(hypHome);
  const out = tempDir('hyp-services-export-');
  const result = JSON.parse(await hyp(['export', 'parquet', '--out', out, '--json'], hypHome)) as {
    dataset: string;
    rows: number;
  };
  assert.deepEqual([result.dataset, result.rows], ['acme_events', 3]);
  assert.match(
    await hyp(['export', 'parquet', '--help'], hypHome),
    /--dataset <name>\s+dataset to export \(default: "acme_events"\)/,
  );
});
