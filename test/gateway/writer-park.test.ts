/**
 * The writer thread parks when idle: with nothing to write for `parkAfterMs` it ends (its heap
 * and database connection are given back), the next exchange starts it again and is written,
 * and a park is refused while a re-check is still due (the re-check's rows are not lost).
 * A real writer thread over a real database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bootKernel } from '@hypaware/core/boot';
import { WriterClient } from '@hypaware/ai-gateway/internal/handoff/writer-client.js';
import { REPO_ROOT, tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import { makeRecord, recordingLogger } from './gateway-fixtures.js';

const ONLY_GATEWAY = { plugins: { '@hypaware/claude': { enabled: false }, '@hypaware/codex': { enabled: false } } };
const FIXTURE = join(REPO_ROOT, 'test', 'gateway', 'fixtures', 'recheck-projector');

async function home(): Promise<string> {
  const hypHome = tempDir('hyp-writer-park-');
  const configPath = join(hypHome, 'hypaware-config.json');
  writeFileSync(configPath, JSON.stringify(ONLY_GATEWAY));
  const kernel = await bootKernel({ mode: 'daemon', hypHome, configPath, env: { ...process.env, HYP_HOME: hypHome } });
  kernel.database();
  await kernel.shutdown();
  return hypHome;
}

function client(hypHome: string, parkAfterMs: number) {
  const logs = recordingLogger();
  const parkedCalls: number[] = [];
  const stateDir = join(hypHome, 'state', 'fixture');
  mkdirSync(stateDir, { recursive: true });
  const writer = new WriterClient({
    workerData: {
      hypHome,
      plugin: '@hypaware/ai-gateway',
      settings: { gatewayId: 'gw', redactHeaders: [] },
      projectorModules: [
        {
          plugin: { name: 'test-recheck-projector', version: '1.0.0', rootDir: FIXTURE },
          file: join(FIXTURE, 'projectors.js'),
          config: {},
          stateDir,
        },
      ],
    },
    log: logs.log,
    meter: { counter: () => ({ add: () => undefined }) },
    parkAfterMs,
    onParked: () => parkedCalls.push(Date.now()),
  });
  return { writer, logs, parkedCalls };
}

const exchange = (text: string, recheckMs?: number, recheckWorkMs?: number) =>
  makeRecord({
    requestHeaders: {
      'content-type': 'text/plain',
      ...(recheckMs !== undefined ? { 'x-recheck-ms': String(recheckMs) } : {}),
      ...(recheckWorkMs !== undefined ? { 'x-recheck-work-ms': String(recheckWorkMs) } : {}),
    },
    requestBody: text,
  });

function counts(hypHome: string): { exchanges: number; messages: number; texts: string[] } {
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  try {
    return {
      exchanges: db.prepare('SELECT count(*) FROM ai_gateway_exchanges').pluck().get() as number,
      messages: db.prepare('SELECT count(*) FROM ai_gateway_messages').pluck().get() as number,
      texts: db.prepare('SELECT content_text FROM ai_gateway_messages ORDER BY content_text').pluck().all() as string[],
    };
  } finally {
    db.close();
  }
}

test('an idle writer parks, the next exchange wakes it and is written, and it parks again', async () => {
  const hypHome = await home();
  const { writer, logs, parkedCalls } = client(hypHome, 300);
  await writer.start(15_000);
  try {
    writer.enqueue(exchange('first', undefined));
    await waitFor(() => writer.written === 1, 'the first exchange written');
    await waitFor(() => writer.status().parked, 'the writer parked');
    assert.equal(logs.events('aigw.writer_parked').length, 1);
    assert.equal(writer.status().ready, true, 'a parked writer still counts as ready');
    assert.equal(logs.events('aigw.writer_exited').length, 0, 'parking is not a crash');

    for (const text of ['second', 'third']) writer.enqueue(exchange(text, undefined));
    assert.equal(writer.status().parked, false, 'an exchange wakes it at once');
    await waitFor(() => writer.written === 3, 'the exchanges after the wake written');
    await waitFor(() => writer.status().parks === 2, 'parked again');
    assert.equal(parkedCalls.length, 2, 'the daemon is told each time (it collects its own heap then)');
    const c = counts(hypHome);
    assert.equal(c.exchanges, 3);
    assert.equal(c.messages, 0, 'no projector matched these');
  } finally {
    await writer.stop(2000);
  }
});

test('a writer with a re-check still due refuses to park, and parks once it ran', async () => {
  const hypHome = await home();
  const { writer, logs } = client(hypHome, 200);
  await writer.start(15_000);
  try {
    writer.enqueue(exchange('checked later', 1200));
    await waitFor(() => writer.written === 1, 'the exchange written');
    // the park timer fires at ~200 ms while the re-check is due at ~1,200 ms: refused, tried again;
    // a writer that parked anyway would lose the re-check and its row
    await waitFor(() => writer.status().parked, 'parked after the re-check', 10_000);
    const c = counts(hypHome);
    assert.deepEqual(c.texts, ['checked later', 'rechecked'], "the re-check's row was written before the park");
    assert.ok(logs.events('aigw.writer_parked').length >= 1);
    assert.equal(c.exchanges, 1);
  } finally {
    await writer.stop(2000);
  }
});

test('a re-check still running (asynchronous work in its projector) also keeps the writer from parking', async () => {
  const hypHome = await home();
  const { writer } = client(hypHome, 150);
  await writer.start(15_000);
  try {
    // due at ~300 ms, then 1,500 ms of work: parks are asked every ~150 ms meanwhile
    writer.enqueue(exchange('checked while busy', 300, 1500));
    await waitFor(() => writer.written === 1, 'the exchange written');
    await waitFor(() => writer.status().parked, 'parked after the re-check', 15_000);
    assert.deepEqual(
      counts(hypHome).texts,
      ['checked while busy', 'rechecked'],
      "the running re-check's row was written",
    );
  } finally {
    await writer.stop(2000);
  }
});

test('stop while parked ends at once, and stop right after a wake writes what was queued', async () => {
  const hypHome = await home();
  const { writer } = client(hypHome, 200);
  await writer.start(15_000);
  writer.enqueue(exchange('before park'));
  await waitFor(() => writer.status().parked, 'parked');
  writer.enqueue(exchange('woken'));
  await writer.stop(15_000);
  assert.deepEqual(counts(hypHome).exchanges, 2, 'the exchange that woke the writer was written before stop ended');

  const second = client(hypHome, 200);
  await second.writer.start(15_000);
  second.writer.enqueue(exchange('again'));
  await waitFor(() => second.writer.status().parked, 'parked');
  const started = Date.now();
  await second.writer.stop(5000);
  assert.ok(Date.now() - started < 2000, 'nothing to wait for');
  assert.equal(counts(hypHome).exchanges, 3);
});
