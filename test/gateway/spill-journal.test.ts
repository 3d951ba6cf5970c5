import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { ExchangeRecord } from '@hypaware/ai-gateway/internal/exchange-record.js';
import { secretHeaderNames } from '@hypaware/ai-gateway/internal/recorder/header-redaction.js';
import { SpillJournal, type SpillJournalOptions } from '@hypaware/ai-gateway/internal/handoff/spill-journal.js';
import { sharedCopy } from '@hypaware/ai-gateway/internal/shared-slab.js';
import { tempDir } from '../../harness/repo.js';
import { makeRecord, recordingLogger } from './gateway-fixtures.js';

const API_KEY = 'sk-ant-api03-SPILLSECRET0123456789abcdef';
const SECRETS = secretHeaderNames(['x-team-token']);

function journal(dir: string, extra: Partial<SpillJournalOptions> = {}) {
  const logs = recordingLogger();
  const failed: ExchangeRecord[] = [];
  const j = new SpillJournal({
    dir,
    maxBytes: 64 * 1024 * 1024,
    log: logs.log,
    secrets: () => SECRETS,
    onAppendFailed: (records) => failed.push(...records),
    ...extra,
  });
  return { j, logs, failed };
}

function records(n: number, bodyBytes = 3000): ExchangeRecord[] {
  return Array.from({ length: n }, (_, i) =>
    makeRecord({
      path: `/v1/messages?n=${i}`,
      requestHeaders: {
        'content-type': 'application/json',
        'x-api-key': API_KEY,
        'x-team-token': 'team-secret-value-123',
      },
      responseHeaders:
        i % 3 === 0 ? null : { 'content-type': 'text/event-stream', 'set-cookie': 'session=cookie-secret-xyz' },
      requestBody: Buffer.alloc(bodyBytes, 65 + (i % 26)),
      ...(i % 3 === 0 ? {} : { responseBody: `data: {"i":${i}}\n\n` }),
    }),
  );
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function readAll(j: SpillJournal, batch = 7): Promise<ExchangeRecord[]> {
  const out: ExchangeRecord[] = [];
  for (let i = 0; i < 1000; i++) {
    const got = await j.readNext(batch, 1024 * 1024);
    out.push(...got);
    if (got.length === 0 && j.backlogBytes === 0) return out;
    if (got.length === 0) await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('journal never emptied');
}

/** A journal that took `n` records and was closed unread: its one file is left for the next. */
async function leftBehind(dir: string, n: number): Promise<{ sent: ExchangeRecord[]; path: string }> {
  const first = journal(dir);
  const sent = records(n);
  for (const r of sent) first.j.append(r);
  await first.j.close();
  const [name] = readdirSync(dir);
  return { sent, path: join(dir, name!) };
}

const bytesOf = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('base64'));

test('records come back in order with the same fields and body bytes; secret header values are reduced to their kind', async () => {
  const dir = tempDir('hyp-spill-');
  const { j } = journal(join(dir, 'spill'), { fileBytes: 20_000 }); // several files
  const sent = records(25);
  // the journal takes the bodies (they go back to the shared blocks once on disk): keep the expected bytes first
  const bodies = sent.map((s) => [bytesOf(s.request_body), bytesOf(s.response_body)]);
  for (const r of sent) assert.equal(j.append(r), true);
  assert.equal(j.active, true);
  const back = await readAll(j);
  assert.equal(back.length, sent.length);
  back.forEach((r, i) => {
    const s = sent[i]!;
    assert.equal(r.exchange_id, s.exchange_id);
    assert.equal(r.path, s.path);
    assert.equal(r.request_bytes, s.request_bytes);
    assert.equal(bytesOf(r.request_body), bodies[i]![0]);
    assert.equal(bytesOf(r.response_body), bodies[i]![1]);
    assert.ok(r.request_body === null || r.request_body.buffer instanceof SharedArrayBuffer);
    const headers = Object.fromEntries(
      Array.from({ length: r.request_headers.length / 2 }, (_, k) => [
        r.request_headers[2 * k],
        r.request_headers[2 * k + 1],
      ]),
    );
    assert.equal(headers['x-api-key'], 'sk-ant-api03-…');
    assert.equal(headers['x-team-token'], '…');
    assert.equal(headers['content-type'], 'application/json');
  });
  // nothing secret reached the disk
  for (const name of readdirSync(join(dir, 'spill'))) {
    const bytes = readFileSync(join(dir, 'spill', name));
    for (const secret of [API_KEY, 'team-secret-value-123', 'cookie-secret-xyz'])
      assert.equal(bytes.includes(secret), false, `${secret} in ${name}`);
    assert.equal(statSync(join(dir, 'spill', name)).mode & 0o777, 0o600);
  }
  assert.equal(statSync(join(dir, 'spill')).mode & 0o777, 0o700);
});

test('a file is deleted once every record read from it is settled, not before', async () => {
  const dir = tempDir('hyp-spill-');
  const { j } = journal(dir, { fileBytes: 10_000 });
  const sent = records(12);
  for (const r of sent) j.append(r);
  const back = await readAll(j, 100);
  assert.equal(back.length, 12);
  const filesBefore = readdirSync(dir).length;
  assert.ok(filesBefore >= 3, `expected several files, got ${filesBefore}`);
  for (const r of back.slice(0, 6)) j.settle(r);
  await until(() => readdirSync(dir).length < filesBefore, 'the settled files to go');
  assert.ok(readdirSync(dir).length > 0, 'files with unsettled records stay');
  for (const r of back.slice(6)) j.settle(r);
  await until(() => readdirSync(dir).length === 0, 'every file to go');
  assert.equal(j.diskBytes, 0);
  assert.equal(j.active, false);
});

test('what a stopped journal leaves is read first by the next one, front file before the rest', async () => {
  const dir = tempDir('hyp-spill-');
  const first = journal(dir);
  const spilled = records(5);
  for (const r of spilled) first.j.append(r);
  const older = records(3); // still in memory at stop: older than the journal's records
  assert.equal(await first.j.appendFront(older), 3);
  await first.j.close();
  assert.ok(readdirSync(dir).length >= 2);

  const second = journal(dir);
  assert.equal(second.logs.events('aigw.spill_recovered').length, 1);
  assert.equal(second.j.active, true);
  const back = await readAll(second.j);
  assert.deepEqual(
    back.map((r) => r.exchange_id),
    [...older, ...spilled].map((r) => r.exchange_id),
  );
});

test('read records that were never settled are read again after a restart (nothing is lost)', async () => {
  const dir = tempDir('hyp-spill-');
  const first = journal(dir);
  const sent = records(4);
  for (const r of sent) first.j.append(r);
  const back = await readAll(first.j);
  first.j.settle(back[0]!);
  await first.j.close();
  const second = journal(dir);
  const again = await readAll(second.j);
  // the whole file comes back: the database ignores what it already has
  assert.deepEqual(
    again.map((r) => r.exchange_id),
    sent.map((r) => r.exchange_id),
  );
});

test('a frame cut short by a crash ends its file: the records before it come back, a warning names the file', async () => {
  const dir = tempDir('hyp-spill-');
  const { sent, path } = await leftBehind(dir, 3);
  truncateSync(path, statSync(path).size - 100);
  const second = journal(dir);
  const back = await readAll(second.j);
  assert.deepEqual(
    back.map((r) => r.exchange_id),
    sent.slice(0, 2).map((r) => r.exchange_id),
  );
  const warnings = second.logs.events('aigw.spill_unreadable');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.file, path);
});

test('garbage after the last frame is skipped with a warning, not parsed as a record', async () => {
  const dir = tempDir('hyp-spill-');
  const { sent, path } = await leftBehind(dir, 2);
  appendFileSync(path, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7b]));
  const second = journal(dir);
  const back = await readAll(second.j);
  assert.deepEqual(
    back.map((r) => r.exchange_id),
    sent.map((r) => r.exchange_id),
  );
  assert.equal(second.logs.events('aigw.spill_unreadable').length, 1);
});

test("appends past max_bytes are refused, the record stays the caller's", async () => {
  const dir = tempDir('hyp-spill-');
  const { j } = journal(dir, { maxBytes: 12_500 }); // a frame here is ~3.7 KB: three fit
  const sent = records(5, 3000);
  const accepted = sent.map((r) => j.append(r));
  assert.deepEqual(accepted, [true, true, true, false, false]);
  const back = await readAll(j);
  assert.equal(back.length, 3);
});

test('an append that fails hands its records back and pauses the journal', async () => {
  const dir = tempDir('hyp-spill-');
  const { j, failed, logs } = journal(join(dir, 'spill'));
  // the file name the journal will use is taken by a folder: open() fails
  mkdirSync(join(dir, 'spill', '100000000000.spill'));
  const sent = records(3);
  for (const r of sent) assert.equal(j.append(r), true);
  const bodies = sent.map((s) => bytesOf(s.request_body));
  await until(() => failed.length === 3, 'the failed records to come back');
  assert.deepEqual(
    failed.map((r) => r.exchange_id),
    sent.map((r) => r.exchange_id),
  );
  assert.deepEqual(
    failed.map((r) => bytesOf(r.request_body)),
    bodies,
    'a record handed back keeps its bodies',
  );
  assert.equal(logs.events('aigw.spill_append_failed').length, 1);
  assert.equal(j.append(records(1)[0]!), false, 'refuses appends for a while after a failure');
});

test('a body on disk goes back to the shared blocks: a burst that spills reuses them instead of allocating new ones', async () => {
  const dir = tempDir('hyp-spill-');
  const { j } = journal(dir);
  // bodies in shared blocks, as the proxy captures them (~10 KB each: a few blocks' worth)
  const sent = Array.from({ length: 60 }, (_, i) =>
    makeRecord({ path: `/v1/messages?n=${i}`, requestHeaders: {}, requestBody: Buffer.alloc(10_000, 65 + (i % 26)) }),
  );
  for (const r of sent) r.request_body = sharedCopy(r.request_body!);
  const first = new Set(sent.map((r) => r.request_body!.buffer));
  for (const r of sent) assert.equal(j.append(r), true);
  await until(() => sent.every((r) => r.request_body === null), 'the spilled bodies to be given back');
  const again = Array.from({ length: 60 }, () => sharedCopy(Buffer.alloc(10_000, 1)));
  const reused = again.filter((b) => first.has(b.buffer)).length;
  assert.ok(
    reused > again.length / 2,
    `only ${reused} of ${again.length} new bodies went to the spilled bodies' blocks`,
  );
  const back = await readAll(j);
  assert.equal(back.length, sent.length);
  back.forEach((r, i) => assert.ok(Buffer.from(r.request_body!).equals(Buffer.alloc(10_000, 65 + (i % 26)))));
});
