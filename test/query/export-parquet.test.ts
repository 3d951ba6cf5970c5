import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DatasetSpec } from '@hypaware/core';
import { runHyp } from '../../harness/daemon.js';
import { runCli } from './run-cli.js';
import { tempDir } from '../../harness/repo.js';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { historyHome, MESSAGES_SPEC } from './messages-spec.js';
import { assertSameRows as assertSameRowsIn, duck } from './parquet-equality.js';

/** A dataset without a `date` column: partitions come from its primary time column. */
const EVENTS_SPEC: DatasetSpec = {
  name: 'test_events',
  description: 'fixture without a date column',
  primaryTime: 'ts',
  columns: [
    { name: 'ts', type: 'timestamp', nullable: false },
    { name: 'kind', type: 'string' },
    { name: 'size', type: 'int' },
    { name: 'ratio', type: 'float' },
    { name: 'ok', type: 'boolean' },
    { name: 'body', type: 'blob' },
    { name: 'meta', type: 'json' },
  ],
};

const home = await historyHome([EVENTS_SPEC]);
fillSyntheticHistory(home.db, { rows: 300, days: 6, seed: 11 });
const odd = home.db.prepare('SELECT * FROM ai_gateway_messages LIMIT 1').get() as Record<string, unknown>;
home.db
  .prepare(
    `INSERT INTO ai_gateway_messages (${Object.keys(odd)
      .map((k) => `"${k}"`)
      .join(', ')}) VALUES (${Object.keys(odd)
      .map((k) => `@${k}`)
      .join(', ')})`,
  )
  .run({
    ...odd,
    part_id: 'odd#0',
    message_id: 'odd',
    content_text: 'line one\nline two, "quoted", émoji 🚀, NUL-free',
    tool_args: JSON.stringify({ nested: { list: [1, 2.5, null, 'x'] } }),
    is_error: 1,
    cwd: null,
    output_tokens: 9_007_199_254,
    input_tokens: null,
  });
const insertEvent = home.db.prepare(
  'INSERT INTO test_events (ts, kind, size, ratio, ok, body, meta) VALUES (?, ?, ?, ?, ?, ?, ?)',
);
insertEvent.run('2026-03-01T23:59:59.999Z', 'a', 1, 0.5, 1, Buffer.from([0, 1, 2, 255]), '{"k":1}');
insertEvent.run('2026-03-02T00:00:00.000Z', 'b', null, null, 0, null, null);
insertEvent.run('2026-03-02T10:00:00.000Z', null, 3, 1e-9, null, Buffer.alloc(0), '[]');
home.db.close();

const assertSameRows = (spec: DatasetSpec, dir: string, orderBy: string) =>
  assertSameRowsIn(home.databasePath, spec.name, dir, orderBy);

function parquetFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => d.startsWith('date='))
    .flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)))
    .sort();
}

test('messages export: Hive partitions by date that DuckDB reads back equal, column by column', async () => {
  const out = tempDir('hyp-export-');
  const r = await runHyp(['export', 'parquet', '--out', out, '--json'], { hypHome: home.hypHome });
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { rows: number; partitions: Array<{ date: string; rows: number }> };
  const db = new Database(home.databasePath, { readonly: true });
  const perDay = db
    .prepare('SELECT date, count(*) AS n FROM ai_gateway_messages GROUP BY date ORDER BY date')
    .all() as Array<{ date: string; n: number }>;
  db.close();
  assert.deepEqual(
    summary.partitions.map((p) => [p.date, p.rows]),
    perDay.map((d) => [d.date, d.n]),
  );
  assert.deepEqual(
    parquetFiles(out),
    perDay.map((d) => join(out, `date=${d.date}`, 'ai_gateway_messages.parquet')),
  );
  const n = await assertSameRows(MESSAGES_SPEC, out, 'part_id');
  assert.equal(summary.rows, n);
  const types = await duck(
    `SELECT typeof(message_created_at) AS t, typeof(is_error) AS b, typeof(output_tokens) AS i, typeof(tool_args) AS j FROM read_parquet('${out}/**/*.parquet', hive_partitioning=1) LIMIT 1`,
  );
  assert.deepEqual(types[0], { t: 'TIMESTAMP WITH TIME ZONE', b: 'BOOLEAN', i: 'BIGINT', j: 'VARCHAR' });
  const codec = await duck(`SELECT DISTINCT compression FROM parquet_metadata('${out}/**/*.parquet')`);
  assert.deepEqual(
    codec.map((c) => c.compression),
    ['ZSTD'],
  );
});

test('re-running a range replaces its partitions and never duplicates rows', async () => {
  const out = tempDir('hyp-export-');
  assert.equal((await runCli(['export', 'parquet', '--out', out], home.hypHome)).code, 0);
  const dates = parquetFiles(out).map((f) => /date=([0-9-]+)/.exec(f)![1]!);
  const [first, second] = [dates[0]!, dates[1]!];
  const untouched = join(out, `date=${dates[dates.length - 1]}`, 'ai_gateway_messages.parquet');
  const untouchedMtime = statSync(untouched).mtimeMs;

  const db = new Database(home.databasePath);
  const template = db.prepare('SELECT * FROM ai_gateway_messages WHERE date = ? LIMIT 1').get(second) as Record<
    string,
    unknown
  >;
  db.prepare(
    `INSERT INTO ai_gateway_messages (${Object.keys(template)
      .map((k) => `"${k}"`)
      .join(', ')}) VALUES (${Object.keys(template)
      .map((k) => `@${k}`)
      .join(', ')})`,
  ).run({ ...template, part_id: 'late#0', message_id: 'late' });
  db.close();

  for (let run = 0; run < 2; run++) {
    const r = await runCli(['export', 'parquet', '--out', out, '--since', first, '--until', second], home.hypHome);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /in 2 daily partitions/);
  }
  assert.equal(statSync(untouched).mtimeMs, untouchedMtime, 'a partition outside the range is not rewritten');
  assert.equal(parquetFiles(out).length, dates.length, 'no extra files');
  await assertSameRows(MESSAGES_SPEC, out, 'part_id');
  const late = await duck(
    `SELECT count(*) AS n FROM read_parquet('${out}/**/*.parquet', hive_partitioning=1) WHERE part_id = 'late#0'`,
  );
  assert.equal(Number(late[0]!.n), 1);
});

test('a dataset without a date column is partitioned by its primary time, blobs and floats intact', async () => {
  const out = tempDir('hyp-export-');
  const r = await runCli(['export', 'parquet', '--dataset', 'test_events', '--out', out], home.hypHome);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parquetFiles(out).map((f) => f.slice(out.length)),
    ['/date=2026-03-01/test_events.parquet', '/date=2026-03-02/test_events.parquet'],
  );
  await assertSameRows(EVENTS_SPEC, out, 'ts');
});

test('bad input is one line with a non-zero exit', async () => {
  const out = tempDir('hyp-export-');
  const cases: Array<[string[], number, RegExp]> = [
    [['export', 'parquet', '--out', out, '--dataset', 'nope'], 1, /no dataset named nope/],
    [['export', 'parquet', '--out', out, '--since', '2026-02-30'], 2, /--since must be a date/],
    [['export', 'parquet', '--out', out, '--since', '2026-03-02', '--until', '2026-03-01'], 2, /is after --until/],
    [['export', 'parquet'], 2, /--out/],
  ];
  for (const [args, code, message] of cases) {
    const r = await runCli(args, home.hypHome);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal((await runCli(['export', 'parquet', '--out', out, '--dataset', 'test_events'], home.hypHome)).code, 0);
  const mixed = await runCli(['export', 'parquet', '--out', out], home.hypHome);
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /holds an export of test_events/);
  const file = join(tempDir('hyp-export-'), 'a-file');
  writeFileSync(file, 'x');
  const notDir = await runCli(['export', 'parquet', '--out', file], home.hypHome);
  assert.equal(notDir.code, 1, notDir.stderr);
  assert.equal(notDir.stderr.trim().split('\n').length, 1);
});
