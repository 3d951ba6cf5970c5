/**
 * The proxy's writer client with a real writer thread and a real database: past its memory
 * share the backlog goes to the spill journal, waits while the load gate holds, and is
 * written in order once it opens; at stop, what is still queued is kept on disk and written
 * by the next client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bootKernel } from '@hypaware/core/boot';
import { LoadGate, type LoadSample } from '@hypaware/ai-gateway/internal/handoff/load-gate.js';
import { WriterClient, type WriterClientOptions } from '@hypaware/ai-gateway/internal/handoff/writer-client.js';
import { sharedCopy } from '@hypaware/ai-gateway/internal/shared-slab.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import { makeRecord, recordingLogger } from './gateway-fixtures.js';

const KEY = 'sk-ant-api03-WRITERSPILLKEY0123456789';
const ONLY_GATEWAY = { plugins: { '@hypaware/claude': { enabled: false }, '@hypaware/codex': { enabled: false } } };

async function home(): Promise<{ hypHome: string; configPath: string }> {
  const hypHome = tempDir('hyp-writer-spill-');
  const configPath = join(hypHome, 'hypaware-config.json');
  writeFileSync(configPath, JSON.stringify(ONLY_GATEWAY));
  // create the tables once, as a daemon start would
  const kernel = await bootKernel({ mode: 'daemon', hypHome, configPath, env: { ...process.env, HYP_HOME: hypHome } });
  kernel.database();
  await kernel.shutdown();
  return { hypHome, configPath };
}

const QUIET = () => new LoadGate({ sample: () => ({ loopUtilization: 0, cpuIdle: 1 }) });

/** A writer client; `spillDir` null: no journal (memory only). */
function client(
  h: { hypHome: string; configPath: string },
  spillDir: string | null,
  gate: LoadGate | undefined,
  spill: { maxBytes?: number; after?: number } = {},
  extra: Partial<WriterClientOptions> = {},
) {
  const logs = recordingLogger();
  const writer = new WriterClient({
    workerData: {
      hypHome: h.hypHome,
      plugin: '@hypaware/ai-gateway',
      settings: { gatewayId: 'gw', redactHeaders: [] },
      projectorModules: [],
    },
    log: logs.log,
    meter: { counter: () => ({ add: () => undefined }) },
    ...(spillDir === null ? {} : { spill: { dir: spillDir, maxBytes: spill.maxBytes ?? 64 * 1024 * 1024 } }),
    spillAfterExchanges: spill.after ?? 5,
    ...(gate ? { gate } : {}),
    ...extra,
  });
  return { writer, logs };
}

/**
 * A client whose writer never gets a batch written (another process holds the database's
 * write lock) is given `count` exchanges and stopped: what it kept waits in the spill folder.
 */
async function stopWhileLocked(
  h: { hypHome: string; configPath: string },
  spillDir: string,
  gate: LoadGate,
  count: number,
) {
  process.env.HYP_DB_BUSY_TIMEOUT_MS = '200'; // the writer thread's copy of the environment
  const lock = new Database(join(h.hypHome, 'hypaware', 'hypaware.db'));
  lock.exec('BEGIN EXCLUSIVE');
  try {
    const first = client(h, spillDir, gate);
    await first.writer.start(15_000);
    const sent = Array.from({ length: count }, (_, i) => record(i));
    for (const r of sent) first.writer.enqueue(r);
    await first.writer.stop(300);
    return { ...first, sent };
  } finally {
    lock.exec('ROLLBACK');
    lock.close();
    delete process.env.HYP_DB_BUSY_TIMEOUT_MS;
  }
}

function exchangeIds(hypHome: string): string[] {
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  try {
    return (
      db.prepare('SELECT exchange_id FROM ai_gateway_exchanges ORDER BY rowid').all() as Array<{ exchange_id: string }>
    ).map((r) => r.exchange_id);
  } finally {
    db.close();
  }
}

const record = (i: number) =>
  makeRecord({
    path: `/v1/messages?n=${i}`,
    requestHeaders: { 'x-api-key': KEY, 'content-type': 'application/json' },
    requestBody: `{"n":${i},"pad":"${'x'.repeat(2000)}"}`,
  });

function spillBytes(dir: string): Buffer[] {
  return existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(join(dir, f))) : [];
}

test(
  'a held writer spills past its memory share, then writes every exchange in order once the load eases',
  { timeout: 60_000 },
  async () => {
    const h = await home();
    const spillDir = join(h.hypHome, 'spill');
    let busy = true;
    const gate = new LoadGate({
      sampleMs: 20,
      maxHoldMs: 60_000,
      sample: (): LoadSample => (busy ? { loopUtilization: 1, cpuIdle: 0 } : { loopUtilization: 0, cpuIdle: 1 }),
    });
    const { writer } = client(h, spillDir, gate);
    await writer.start(15_000);
    const sent = Array.from({ length: 40 }, (_, i) => record(i));
    for (const r of sent) writer.enqueue(r);
    await waitFor(
      () => (writer.status().spill_backlog_bytes > 0 && spillBytes(spillDir).length > 0) || undefined,
      'the backlog to reach the spill journal',
    );
    assert.ok(writer.status().spill_backlog_bytes > 0, 'a held writer reads nothing back');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(exchangeIds(h.hypHome).length, 0, 'nothing written while the gate holds');
    assert.ok(writer.status().spilled >= 30, `spilled ${writer.status().spilled}`);
    for (const bytes of spillBytes(spillDir)) assert.equal(bytes.includes(KEY), false, 'no API key in a spill file');

    busy = false;
    await waitFor(
      () => exchangeIds(h.hypHome).length === sent.length || undefined,
      'every exchange to be written',
      30_000,
    );
    assert.deepEqual(
      exchangeIds(h.hypHome),
      sent.map((r) => r.exchange_id),
      'written once each, in the order they came',
    );
    await waitFor(() => readdirSync(spillDir).length === 0 || undefined, 'the spill files to be deleted');
    assert.equal(writer.status().dropped, 0);
    assert.ok(writer.status().held_ms > 0);
    await writer.stop(5000);
  },
);

test(
  'what is queued at stop is kept in the spill journal and written by the next start',
  { timeout: 60_000 },
  async () => {
    const h = await home();
    const spillDir = join(h.hypHome, 'spill');
    const held = new LoadGate({ sampleMs: 20, maxHoldMs: 60_000, sample: () => ({ loopUtilization: 1, cpuIdle: 0 }) });
    const first = await stopWhileLocked(h, spillDir, held, 12);
    const sent = first.sent;
    assert.equal(first.writer.status().dropped, 0, 'nothing dropped at stop');
    assert.equal(first.logs.events('aigw.spill_kept').length, 1);
    assert.ok(spillBytes(spillDir).length > 0, 'spill files left for the next start');
    for (const bytes of spillBytes(spillDir)) assert.equal(bytes.includes(KEY), false);

    const second = client(h, spillDir, QUIET());
    await second.writer.start(15_000);
    assert.equal(second.logs.events('aigw.spill_recovered').length, 1);
    second.writer.enqueue(record(99)); // a new exchange queues behind the recovered ones
    await waitFor(
      () => exchangeIds(h.hypHome).length === sent.length + 1 || undefined,
      'the kept exchanges to be written',
      30_000,
    );
    const ids = exchangeIds(h.hypHome);
    assert.deepEqual(new Set(ids.slice(0, sent.length)), new Set(sent.map((r) => r.exchange_id)));
    assert.equal(ids.length, new Set(ids).size, 'no duplicate');
    await waitFor(() => readdirSync(spillDir).length === 0 || undefined, 'the spill files to be deleted');
    await second.writer.stop(5000);
  },
);

test(
  'a few exchanges are written at once even while the gate would hold: it only holds a writer that has fallen behind',
  { timeout: 60_000 },
  async () => {
    const h = await home();
    const busy = new LoadGate({ sampleMs: 20, maxHoldMs: 60_000, sample: () => ({ loopUtilization: 1, cpuIdle: 0 }) });
    const { writer } = client(h, join(h.hypHome, 'spill'), busy);
    await writer.start(15_000);
    const sent = [record(1), record(2), record(3)];
    for (const r of sent) writer.enqueue(r);
    await waitFor(() => exchangeIds(h.hypHome).length === 3 || undefined, 'the three exchanges to be written', 10_000);
    assert.equal(busy.holds, 0);
    await writer.stop(5000);
  },
);

test(
  'with spill_max_bytes 0 nothing new is spilled, but what an earlier run left is still written',
  { timeout: 60_000 },
  async () => {
    const h = await home();
    const spillDir = join(h.hypHome, 'spill');
    await stopWhileLocked(h, spillDir, QUIET(), 10);
    assert.ok(readdirSync(spillDir).length > 0, 'files left for the next run');

    const { writer } = client(h, spillDir, QUIET(), { maxBytes: 0, after: 1 });
    await writer.start(15_000);
    for (const r of [record(100), record(101), record(102)]) writer.enqueue(r);
    await waitFor(
      () => exchangeIds(h.hypHome).length === 13 || undefined,
      'the 10 left and the 3 new exchanges',
      30_000,
    );
    assert.equal(writer.status().spilled, 0, 'nothing new went to disk');
    assert.equal(writer.status().dropped, 0);
    await waitFor(() => readdirSync(spillDir).length === 0 || undefined, 'the old files to be deleted');
    await writer.stop(5000);
  },
);

test('an exchange dropped from a full memory queue (no journal) gives its bodies back to the shared blocks', async () => {
  const h = await home();
  // never started: nothing is sent, so the queue fills and drops its oldest
  const { writer, logs } = client(h, null, undefined, {}, { maxQueuedExchanges: 3 });
  const sent = Array.from({ length: 6 }, (_, i) => record(i));
  for (const r of sent) r.request_body = sharedCopy(r.request_body!); // as the proxy captures them
  for (const r of sent) writer.enqueue(r);
  assert.equal(writer.status().dropped, 3);
  assert.deepEqual(
    sent.map((r) => r.request_body === null),
    [true, true, true, false, false, false],
    'the three dropped records gave their bodies back; the queued ones keep theirs',
  );
  assert.deepEqual(
    logs.events('aigw.exchange_write_failed').map((e) => e['exchange_id']),
    sent.slice(0, 3).map((r) => r.exchange_id),
    'each drop is reported, oldest first',
  );
  await writer.stop(100);
});
