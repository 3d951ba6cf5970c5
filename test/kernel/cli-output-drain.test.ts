// Every byte `hyp` prints arrives, whatever reads it: a multi-megabyte `hyp query sql` result
// read through a pipe by a slow reader is byte for byte what the same command writes to a file,
// in every format; and a reader that leaves early (`| head -1`) ends the command quietly.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { historyHome } from '../query/messages-spec.js';
import { HYP_BIN, tempDir } from '../../harness/repo.js';

const ROWS = 1500;
const SQL = 'SELECT * FROM ai_gateway_messages ORDER BY rowid';
const FORMATS = ['json', 'jsonl', 'csv', 'table'] as const;
type Format = (typeof FORMATS)[number];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

let hypHome: string;
let lastPartId: string;
let columnNames: string[];

before(async () => {
  const home = await historyHome();
  fillSyntheticHistory(home.db, { rows: ROWS, days: 5, seed: 11 });
  lastPartId = (
    home.db.prepare('SELECT part_id FROM ai_gateway_messages ORDER BY rowid DESC LIMIT 1').get() as { part_id: string }
  ).part_id;
  columnNames = (
    home.db.prepare(`SELECT name FROM pragma_table_info('ai_gateway_messages') ORDER BY cid`).all() as Array<{
      name: string;
    }>
  ).map((c) => c.name);
  home.db.close();
  hypHome = home.hypHome;
});

function queryArgs(format: Format): string[] {
  return [HYP_BIN, 'query', 'sql', SQL, '--format', format];
}

function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, HYP_HOME: hypHome };
}

function collectStderr(child: ReturnType<typeof spawn>): () => string {
  let text = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    text += d;
  });
  return () => text;
}

function exited(child: ReturnType<typeof spawn>, stderr: () => string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr: stderr() }));
  });
}

/** The command with stdout redirected to a file (written synchronously by node). */
async function runToFile(format: Format): Promise<{ exit: Exit; bytes: Buffer }> {
  const path = join(tempDir('hyp-drain-'), `out.${format}`);
  const fd = openSync(path, 'w');
  try {
    const child = spawn(process.execPath, queryArgs(format), { env: childEnv(), stdio: ['ignore', fd, 'pipe'] });
    const exit = await exited(child, collectStderr(child));
    return { exit, bytes: readFileSync(path) };
  } finally {
    closeSync(fd);
  }
}

/** The command with stdout through a pipe whose reader pauses a few ms after every chunk. */
async function runThroughSlowPipe(format: Format): Promise<{ exit: Exit; bytes: Buffer; chunks: number }> {
  const child = spawn(process.execPath, queryArgs(format), { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    child.stdout!.pause();
    setTimeout(() => child.stdout!.resume(), 3);
  });
  const exit = await exited(child, collectStderr(child));
  return { exit, bytes: Buffer.concat(chunks), chunks: chunks.length };
}

/** Checks of the file output that do not come from the command itself: the rows in the database. */
function assertComplete(format: Format, text: string): void {
  switch (format) {
    case 'json': {
      const rows = JSON.parse(text) as Array<{ part_id: string }>;
      assert.equal(rows.length, ROWS);
      assert.equal(rows.at(-1)!.part_id, lastPartId);
      break;
    }
    case 'jsonl': {
      const lines = text.split('\n');
      assert.equal(lines.pop(), '', 'ends with a newline');
      assert.equal(lines.length, ROWS);
      assert.equal((JSON.parse(lines.at(-1)!) as { part_id: string }).part_id, lastPartId);
      break;
    }
    case 'csv':
      assert.ok(text.startsWith(columnNames.join(',') + '\r\n'), 'header row');
      assert.ok(text.endsWith('\r\n'));
      assert.ok(text.slice(-4000).includes(lastPartId), 'the last row is there');
      break;
    case 'table':
      assert.ok(text.endsWith(`(${ROWS} rows)\n`), `ends with the row count: ${JSON.stringify(text.slice(-40))}`);
      break;
  }
}

describe('hyp query sql output through a pipe', { concurrency: 1 }, () => {
  for (const format of FORMATS) {
    test(`--format ${format}: a slow pipe reader gets the same bytes as a file`, async () => {
      const file = await runToFile(format);
      assert.deepEqual(
        { code: file.exit.code, signal: file.exit.signal, stderr: file.exit.stderr },
        { code: 0, signal: null, stderr: '' },
      );
      assert.ok(file.bytes.length > 1_000_000, `a multi-megabyte result (${file.bytes.length} bytes)`);
      assertComplete(format, file.bytes.toString('utf8'));

      const piped = await runThroughSlowPipe(format);
      assert.deepEqual(
        { code: piped.exit.code, signal: piped.exit.signal, stderr: piped.exit.stderr },
        { code: 0, signal: null, stderr: '' },
      );
      assert.ok(piped.chunks > 1, 'the output arrived in several chunks');
      assert.equal(piped.bytes.length, file.bytes.length, 'as many bytes through the pipe as in the file');
      assert.ok(piped.bytes.equals(file.bytes), 'the same bytes through the pipe as in the file');
    });
  }

  test('a reader that closes after the first chunk (| head -1): quiet exit, no error line, no stack', async () => {
    const child = spawn(process.execPath, queryArgs('jsonl'), { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let first: Buffer | undefined;
    child.stdout!.once('data', (chunk: Buffer) => {
      first = chunk;
      child.stdout!.destroy();
    });
    const exit = await exited(child, collectStderr(child));
    assert.ok(first && first.length > 0, 'the first chunk arrived');
    assert.equal(exit.stderr, '', 'nothing on stderr');
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null });
  });

  test('an early close of a small output and of --help: the same quiet exit', async () => {
    for (const args of [
      [HYP_BIN, '--help'],
      [HYP_BIN, 'query', 'sql', 'SELECT 1 AS one', '--format', 'json'],
    ]) {
      const child = spawn(process.execPath, args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.destroy();
      const exit = await exited(child, collectStderr(child));
      assert.equal(exit.stderr, '', `${args.slice(1).join(' ')}: nothing on stderr`);
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, args.slice(1).join(' '));
    }
  });
});
