import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runHyp } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { configWithoutBundled, writeConfig } from './kernel-fixtures.js';

// Values that trip formats up: separators, quotes, newlines, tabs, non-ASCII, NULL, floats,
// a blob, and an integer beyond 2^53.
const SQL = `SELECT * FROM (VALUES
  (1, 'plain', 1.5, NULL, NULL),
  (2, 'comma, "quoted"' || char(10) || 'second line', -0.001, x'00ff', 9007199254740993),
  (3, 'tab' || char(9) || 'naïve ☃ — ok', 0, NULL, -42)
) AS v`;
const COLUMNS = ['id', 'text', 'ratio', 'payload', 'big'];
const TEXTS = ['plain', 'comma, "quoted"\nsecond line', 'tab\tnaïve ☃ — ok'];

let hypHome: string;
before(() => {
  hypHome = tempDir('hyp-formats-');
  writeConfig(hypHome, configWithoutBundled());
});

async function query(format: string): Promise<string> {
  const r = await runHyp(
    [
      'query',
      'sql',
      `SELECT column1 AS id, column2 AS text, column3 AS ratio, column4 AS payload, column5 AS big FROM (${SQL})`,
      '--format',
      format,
    ],
    { hypHome },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

describe('hyp query sql --format: the output parses back to the values', { concurrency: 4 }, () => {
  const expectedRows = [
    { id: 1, text: TEXTS[0], ratio: 1.5, payload: null, big: null },
    { id: 2, text: TEXTS[1], ratio: -0.001, payload: 'AP8=', big: '9007199254740993' },
    { id: 3, text: TEXTS[2], ratio: 0, payload: null, big: -42 },
  ];

  test('json: one array; blobs base64; an integer beyond 2^53 as an exact string', async () => {
    assert.deepEqual(JSON.parse(await query('json')), expectedRows);
  });

  test('jsonl: one object per line', async () => {
    const out = await query('jsonl');
    assert.ok(out.endsWith('\n'));
    assert.deepEqual(
      out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
      expectedRows,
    );
  });

  test("csv: RFC 4180, read back by DuckDB's CSV reader", async () => {
    const file = join(tempDir(), 'out.csv');
    writeFileSync(file, await query('csv'));
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const reader = await conn.runAndReadAll(
        `SELECT * FROM read_csv('${file}', header = true, all_varchar = true, quote = '"', escape = '"')`,
      );
      assert.deepEqual(reader.columnNames(), COLUMNS);
      // CSV has no NULL: NULL and '' are both an empty field, read back as NULL
      assert.deepEqual(reader.getRowObjects(), [
        { id: '1', text: TEXTS[0], ratio: '1.5', payload: null, big: null },
        { id: '2', text: TEXTS[1], ratio: '-0.001', payload: 'AP8=', big: '9007199254740993' },
        { id: '3', text: TEXTS[2], ratio: '0', payload: null, big: '-42' },
      ]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });

  test('table: header, rule, one line per row with control characters escaped, row count', async () => {
    const lines = (await query('table')).split('\n');
    assert.equal(lines.at(-1), '', 'ends with a newline');
    assert.equal(lines.length, 7, 'header, rule, 3 rows, count, final newline');
    // fixed-width columns: the rule line gives each column's width
    assert.match(lines[1]!, /^-+(-\+-+)+$/);
    const widths = lines[1]!.split('-+-').map((dashes) => dashes.length);
    const cells = (line: string) => {
      let at = 0;
      return widths.map((w) => {
        const cell = line.slice(at, at + w).trimEnd();
        at += w + ' | '.length;
        return cell;
      });
    };
    assert.deepEqual(cells(lines[0]!), COLUMNS);
    assert.deepEqual(cells(lines[2]!), ['1', 'plain', '1.5', '', '']);
    assert.deepEqual(cells(lines[3]!), [
      '2',
      'comma, "quoted"\\nsecond line',
      '-0.001',
      '<blob 2 bytes>',
      '9007199254740993',
    ]);
    assert.deepEqual(cells(lines[4]!), ['3', 'tab\\tnaïve ☃ — ok', '0', '', '-42']);
    assert.equal(lines[5], '(3 rows)');
  });

  test('no rows: json [], csv the header, table (0 rows)', async () => {
    const run = async (format: string) => {
      const r = await runHyp(['query', 'sql', 'SELECT 1 AS a, 2 AS b WHERE 0', '--format', format], { hypHome });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    assert.deepEqual(JSON.parse(await run('json')), []);
    assert.equal(await run('csv'), 'a,b\r\n');
    assert.match(await run('table'), /^a \| b\n-+-\+-+\n\(0 rows\)\n$/);
  });
});
