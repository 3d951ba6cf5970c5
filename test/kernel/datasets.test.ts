import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HypError, type DatasetSpec } from '@hypaware/core';
import { runHyp } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { bootFixtures, configWithoutBundled, fixturePlugin, writeConfig } from './kernel-fixtures.js';

const owner = fixturePlugin('third-party', 'dataset-owner');

const EVENTS_V1: DatasetSpec = {
  name: 'acme_events',
  description: 'events of the acme fixture',
  primaryTime: 'ts',
  uniqueKey: ['event_id'],
  columns: [
    { name: 'event_id', type: 'string', nullable: false },
    { name: 'ts', type: 'timestamp' },
    { name: 'body', type: 'string' },
  ],
};
const EVENTS_V2: DatasetSpec = {
  ...EVENTS_V1,
  columns: [...EVENTS_V1.columns, { name: 'score', type: 'float', description: 'added in v2' }],
};
const EVENTS_BODY_AS_INT: DatasetSpec = {
  ...EVENTS_V1,
  columns: EVENTS_V1.columns.map((c) => (c.name === 'body' ? { ...c, type: 'int' as const } : c)),
};

/** Boot with the dataset-owner fixture declaring `spec`, open the database, run `fn`, shut down. */
async function withDataset<T>(hypHome: string, spec: DatasetSpec, fn: (db: Database.Database) => T): Promise<T> {
  const { kernel } = await bootFixtures({
    bundled: tempDir('hyp-empty-bundled-'),
    hypHome,
    config: {
      plugin_dirs: [owner],
      plugins: { 'acme-dataset-owner': { dataset: spec as unknown as Record<string, unknown> } },
    },
  });
  try {
    assert.deepEqual(kernel.failed, []);
    return fn(kernel.database());
  } finally {
    await kernel.shutdown();
  }
}

function columnsOf(db: Database.Database, table: string): string[] {
  return (
    db.prepare('SELECT name, type, "notnull" AS nn FROM pragma_table_info(?)').all(table) as Array<{
      name: string;
      type: string;
      nn: number;
    }>
  ).map((c) => `${c.name} ${c.type}${c.nn ? ' NOT NULL' : ''}`);
}

function migrationLog(db: Database.Database): string[] {
  return (
    db.prepare('SELECT scope, description FROM _hyp_migrations ORDER BY id').all() as Array<{
      scope: string;
      description: string;
    }>
  ).map((m) => `${m.scope}: ${m.description}`);
}

test('a declared dataset becomes a table with its columns, unique key and time index, recorded in the registry', async () => {
  const hypHome = tempDir('hyp-ds-');
  await withDataset(hypHome, EVENTS_V1, (db) => {
    assert.deepEqual(columnsOf(db, 'acme_events'), ['event_id TEXT NOT NULL', 'ts TEXT', 'body TEXT']);
    const indexes = db
      .prepare(`SELECT name, "unique" AS u FROM pragma_index_list('acme_events') ORDER BY name`)
      .all() as Array<{ name: string; u: number }>;
    assert.deepEqual(
      indexes.map((i) => `${i.name}:${i.u}`),
      ['ix_acme_events_ts:0', 'ux_acme_events_event_id:1'],
    );
    const registered = db
      .prepare('SELECT plugin, primary_time, spec_json FROM _hyp_datasets WHERE name = ?')
      .get('acme_events') as { plugin: string; primary_time: string; spec_json: string };
    assert.equal(registered.plugin, 'acme-dataset-owner');
    assert.equal(registered.primary_time, 'ts');
    assert.deepEqual(JSON.parse(registered.spec_json), EVENTS_V1);
    assert.deepEqual(migrationLog(db), [
      'kernel: v1: dataset registry and migration log',
      'dataset:acme_events: created table acme_events',
    ]);
  });
});

test('the unique key dedupes: the same event_id twice is one row', async () => {
  await withDataset(tempDir('hyp-ds-'), EVENTS_V1, (db) => {
    const insert = db.prepare(
      'INSERT INTO acme_events (event_id, ts, body) VALUES (?, ?, ?) ON CONFLICT (event_id) DO NOTHING',
    );
    assert.equal(insert.run('e1', '2026-01-01T00:00:00Z', 'first').changes, 1);
    assert.equal(insert.run('e1', '2026-01-01T00:00:01Z', 'again').changes, 0);
    assert.equal(insert.run('e2', '2026-01-01T00:00:02Z', 'second').changes, 1);
    assert.deepEqual(db.prepare('SELECT event_id, body FROM acme_events ORDER BY event_id').all(), [
      { event_id: 'e1', body: 'first' },
      { event_id: 'e2', body: 'second' },
    ]);
    assert.throws(
      () => db.prepare('INSERT INTO acme_events (event_id) VALUES (?)').run('e2'),
      /UNIQUE constraint failed: acme_events\.event_id/,
    );
  });
});

test('re-boot with a new column: the column is added, old rows are kept, the change is logged once', async () => {
  const hypHome = tempDir('hyp-ds-');
  await withDataset(hypHome, EVENTS_V1, (db) => {
    db.prepare('INSERT INTO acme_events (event_id, ts, body) VALUES (?, ?, ?)').run(
      'old-1',
      '2026-01-01T00:00:00Z',
      'kept',
    );
  });
  await withDataset(hypHome, EVENTS_V2, (db) => {
    assert.deepEqual(columnsOf(db, 'acme_events'), ['event_id TEXT NOT NULL', 'ts TEXT', 'body TEXT', 'score REAL']);
    assert.deepEqual(db.prepare('SELECT event_id, body, score FROM acme_events').all(), [
      { event_id: 'old-1', body: 'kept', score: null },
    ]);
    db.prepare('INSERT INTO acme_events (event_id, ts, body, score) VALUES (?, ?, ?, ?)').run(
      'new-1',
      '2026-01-02T00:00:00Z',
      'fresh',
      0.5,
    );
  });
  // the same spec again: nothing to migrate
  await withDataset(hypHome, EVENTS_V2, (db) => {
    assert.deepEqual(migrationLog(db), [
      'kernel: v1: dataset registry and migration log',
      'dataset:acme_events: created table acme_events',
      'dataset:acme_events: added column acme_events.score',
    ]);
    assert.equal((db.prepare('SELECT count(*) AS n FROM acme_events').get() as { n: number }).n, 2);
  });
});

test('a changed column type is refused with a clear error, every time, and the data is untouched', async () => {
  const hypHome = tempDir('hyp-ds-');
  await withDataset(hypHome, EVENTS_V1, (db) => {
    db.prepare('INSERT INTO acme_events (event_id, body) VALUES (?, ?)').run('e1', 'text body');
  });
  const { kernel } = await bootFixtures({
    bundled: tempDir('hyp-empty-bundled-'),
    hypHome,
    config: {
      plugin_dirs: [owner],
      plugins: { 'acme-dataset-owner': { dataset: EVENTS_BODY_AS_INT as unknown as Record<string, unknown> } },
    },
  });
  try {
    for (let attempt = 1; attempt <= 2; attempt++) {
      assert.throws(
        () => kernel.database(),
        (err: unknown) => {
          assert.ok(err instanceof HypError, `attempt ${attempt}: a HypError (one line, exit 1), got ${String(err)}`);
          assert.match(
            err.message,
            /dataset acme_events: column body is TEXT in the database but declared INTEGER; a type change needs an explicit migration/,
          );
          return true;
        },
      );
    }
  } finally {
    await kernel.shutdown();
  }
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  try {
    assert.deepEqual(db.prepare('SELECT event_id, body FROM acme_events').all(), [
      { event_id: 'e1', body: 'text body' },
    ]);
    assert.deepEqual(columnsOf(db, 'acme_events'), ['event_id TEXT NOT NULL', 'ts TEXT', 'body TEXT']);
  } finally {
    db.close();
  }
});

test('hyp query sql over a refused type change: one line, exit 1', async () => {
  const hypHome = tempDir('hyp-ds-');
  await withDataset(hypHome, EVENTS_V1, () => undefined);
  writeConfig(
    hypHome,
    configWithoutBundled({
      plugin_dirs: [owner],
      plugins: { 'acme-dataset-owner': { dataset: EVENTS_BODY_AS_INT as unknown as Record<string, unknown> } },
    }),
  );
  const r = await runHyp(['query', 'sql', 'SELECT count(*) FROM acme_events'], { hypHome });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^hyp: .*column body is TEXT in the database but declared INTEGER.*\n$/);
  assert.equal(r.stdout, '');
});

test("a bad dataset declaration fails that plugin's activation with the reason", async (t) => {
  const cases: Array<[Partial<DatasetSpec>, RegExp]> = [
    [{ primaryTime: 'created' }, /primaryTime created is not a column/],
    [{ name: '_hyp_private' }, /dataset name _hyp_private is reserved/],
    [{ name: 'acme events' }, /dataset name "acme events" must be an SQL identifier/],
    [{ uniqueKey: ['missing_col'] }, /index column missing_col is not a column/],
    [
      {
        columns: [
          { name: 'ts', type: 'timestamp' },
          { name: 'ts', type: 'string' },
        ],
      },
      /column ts is declared twice/,
    ],
    [{ columns: [{ name: 'ts', type: 'datetime' as 'timestamp' }] }, /column ts has unknown type "datetime"/],
  ];
  for (const [change, expected] of cases) {
    await t.test(String(expected), async () => {
      const { kernel } = await bootFixtures({
        bundled: tempDir('hyp-empty-bundled-'),
        config: {
          plugin_dirs: [owner],
          plugins: {
            'acme-dataset-owner': { dataset: { ...EVENTS_V1, ...change } as unknown as Record<string, unknown> },
          },
        },
      });
      try {
        const failed = kernel.failed.find((f) => f.name === 'acme-dataset-owner');
        assert.equal(failed?.kind, 'activate_failed');
        assert.match(failed.message, /registerDataset: /);
        assert.match(failed.message, expected);
        assert.equal(kernel.datasets.size, 0);
      } finally {
        await kernel.shutdown();
      }
    });
  }
});
