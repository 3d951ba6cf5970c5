/**
 * The writer over a real writer-mode kernel and SQLite database: exchange rows for every
 * exchange, durable dedupe across a restart, redaction on disk, decoding, SSE, the capture
 * flag, match_key settlement, re-checks and storage failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { readFileSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { ExchangeInput, ExchangeProjector, ProjectedExchange, ProjectedMessage } from '@hypaware/ai-gateway';
import { ExchangeWriter } from '@hypaware/ai-gateway/internal/recorder/exchange-writer.js';
import { waitFor } from '../../harness/wait.js';
import { makeRecord, recordingLogger, startWriterRig } from './gateway-fixtures.js';

interface TestRequest {
  conversation: string;
  messages: ProjectedMessage[];
  recheck?: boolean;
}

/** Projects the JSON request body of `/v1/test` as given; on re-checks, supplies native ids. */
function jsonProjector(seen: ExchangeInput[] = []): ExchangeProjector {
  return {
    name: 'json-test',
    match: (x) => x.pathname === '/v1/test',
    project: (x, ctx): ProjectedExchange | undefined => {
      seen.push(x);
      if (!x.request_body) return undefined;
      const req = JSON.parse(x.request_body) as TestRequest;
      const messages =
        ctx.attempt > 0 ? req.messages.map((m, i) => ({ ...m, message_id: `native-${i}` })) : req.messages;
      return {
        provider: 'test',
        conversation_id: req.conversation,
        messages,
        ...(req.recheck && ctx.attempt === 0 ? { recheck_after_ms: 10 } : {}),
      };
    },
  };
}

const body = (req: TestRequest) => JSON.stringify(req);
const user = (text: string): ProjectedMessage => ({ role: 'user', content: text });
const assistant = (text: string): ProjectedMessage => ({ role: 'assistant', content: [{ type: 'text', text }] });

test('re-sent history, a restart and a re-send after it never duplicate a row', async () => {
  const first = await startWriterRig([jsonProjector()]);
  const turn1 = [user('hello'), assistant('hi'), user('hello')];
  assert.deepEqual(
    await first.writer.writeBatch([makeRecord({ requestBody: body({ conversation: 'c1', messages: turn1 }) })]),
    { ok: true, rowsWritten: 3 },
  );
  assert.deepEqual(
    await first.writer.writeBatch([makeRecord({ requestBody: body({ conversation: 'c1', messages: turn1 }) })]),
    { ok: true, rowsWritten: 0 },
  );
  await first.close();

  const second = await startWriterRig([jsonProjector()], { hypHome: first.hypHome });
  try {
    const turn2 = [...turn1, assistant('again?'), user('yes')];
    const outcome = await second.writer.writeBatch([
      makeRecord({ requestBody: body({ conversation: 'c1', messages: turn2 }) }),
    ]);
    assert.deepEqual(outcome, { ok: true, rowsWritten: 2 });
    assert.equal(second.count('SELECT count(*) FROM ai_gateway_messages'), 5);
    assert.equal(second.count('SELECT count(DISTINCT part_id) FROM ai_gateway_messages'), 5);
    assert.equal(second.count('SELECT count(*) FROM ai_gateway_exchanges'), 3);
    const rowsWritten = second
      .rows<{ rows_written: number }>('SELECT rows_written FROM ai_gateway_exchanges ORDER BY rowid')
      .map((r) => r.rows_written);
    assert.deepEqual(rowsWritten, [3, 0, 2]);
  } finally {
    await second.close();
  }
});

test('every exchange gets its row, log line and byte count, also without any row written', async () => {
  const rig = await startWriterRig([jsonProjector()]);
  try {
    const record = makeRecord({
      path: '/v1/other?x=1',
      upstream: null,
      status: 502,
      requestBody: 'ping',
      responseBody: '{"error":{}}',
      error: 'no_upstream_match',
      requestHeaders: { 'x-hyp-dev-run-id': 'run-7' },
    });
    await rig.writer.writeBatch([record]);
    const [row] = rig.rows<Record<string, unknown>>('SELECT * FROM ai_gateway_exchanges');
    assert.equal(row!.exchange_id, record.exchange_id);
    assert.equal(row!.upstream, null);
    assert.equal(row!.path, '/v1/other?x=1');
    assert.equal(row!.status_code, 502);
    assert.equal(row!.rows_written, 0);
    assert.equal(row!.skip_reason, 'no_projector_match');
    assert.equal(row!.error, 'no_upstream_match');
    assert.equal(row!.metadata, '{"dev_run_id":"run-7"}');
    assert.equal(gunzipSync(row!.request_body as Buffer).toString(), 'ping');
    const [logged] = rig.logs.events('aigw.exchange');
    assert.deepEqual(
      {
        upstream: logged!.upstream,
        path: logged!.path,
        status_code: logged!.status_code,
        request_bytes: logged!.request_bytes,
        rows_written: logged!.rows_written,
        skip_reason: logged!.skip_reason,
        dev_run_id: logged!.dev_run_id,
      },
      {
        upstream: null,
        path: '/v1/other?x=1',
        status_code: 502,
        request_bytes: 4,
        rows_written: 0,
        skip_reason: 'no_projector_match',
        dev_run_id: 'run-7',
      },
    );
    assert.equal(rig.kernel.meters.total('aigw.exchange_bytes'), 4 + 12);
  } finally {
    await rig.close();
  }
});

test('no byte of a secret header reaches the database files; the projector sees the kind view', async () => {
  const seen: ExchangeInput[] = [];
  const rig = await startWriterRig([jsonProjector(seen)], { settings: { redactHeaders: ['x-extra-secret'] } });
  const secret = 'sk-ant-api03-SECRETSECRETvalue0123456789';
  try {
    await rig.writer.writeBatch([
      makeRecord({
        requestHeaders: {
          authorization: `Bearer ${secret}`,
          'x-api-key': secret,
          'x-extra-secret': 'extra-secret-value',
          cookie: 'session=cookie-secret',
        },
        responseHeaders: { 'set-cookie': 'id=resp-cookie-secret', 'content-type': 'application/json' },
        requestBody: body({ conversation: 'c', messages: [user('hi')] }),
      }),
    ]);
    assert.equal(seen[0]!.request_headers.authorization, 'Bearer sk-ant-api03-…');
    rig.kernel.database().pragma('wal_checkpoint(TRUNCATE)');
    const dbPath = join(rig.hypHome, 'hypaware', 'hypaware.db');
    const onDisk = Buffer.concat([dbPath, `${dbPath}-wal`].filter(existsSync).map((p) => readFileSync(p)));
    for (const needle of ['SECRETSECRET', 'extra-secret-value', 'cookie-secret', 'resp-cookie-secret']) {
      assert.equal(onDisk.includes(needle), false, `${needle} reached the database file`);
    }
    const headers = JSON.parse(
      rig.rows<{ request_headers: string }>('SELECT request_headers FROM ai_gateway_exchanges')[0]!.request_headers,
    ) as Record<string, string>;
    assert.equal(headers.authorization, '[redacted]');
  } finally {
    await rig.close();
  }
});

test('compressed responses are decoded for the projector and stored decoded; truncation is flagged', async () => {
  const seen: ExchangeInput[] = [];
  const rig = await startWriterRig([jsonProjector(seen)]);
  try {
    const reply = JSON.stringify({ id: 'msg_1', content: [{ type: 'text', text: 'hello' }] });
    const req = body({ conversation: 'c', messages: [user('q')] });
    await rig.writer.writeBatch([
      makeRecord({
        requestBody: req,
        responseBody: gzipSync(reply),
        responseHeaders: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      }),
      makeRecord({
        requestBody: req,
        responseBody: brotliCompressSync(reply),
        responseHeaders: { 'content-type': 'application/json', 'content-encoding': 'br' },
        requestTruncated: true,
      }),
    ]);
    assert.deepEqual(
      seen.map((x) => x.response_body),
      [reply, reply],
    );
    assert.deepEqual(
      seen.map((x) => x.request_truncated),
      [false, true],
    );
    const rows = rig.rows<{
      response_body: Buffer;
      response_content_encoding: string;
      response_body_encoding: string | null;
      request_truncated: number;
      error: string | null;
    }>('SELECT * FROM ai_gateway_exchanges ORDER BY rowid');
    assert.deepEqual(
      rows.map((r) => gunzipSync(r.response_body).toString()),
      [reply, reply],
    );
    assert.deepEqual(
      rows.map((r) => [r.response_content_encoding, r.response_body_encoding, r.request_truncated, r.error]),
      [
        ['gzip', null, 0, null],
        ['br', null, 1, null],
      ],
    );
  } finally {
    await rig.close();
  }
});

test('an SSE response reaches the projector as events, the last one without its blank line included', async () => {
  const seen: ExchangeInput[] = [];
  const rig = await startWriterRig([jsonProjector(seen)]);
  try {
    const stream = 'event: a\ndata: 1\n\n: keepalive\n\nevent: b\ndata: 2\n\nevent: c\ndata: 3';
    await rig.writer.writeBatch([
      makeRecord({
        requestBody: body({ conversation: 'c', messages: [user('q')] }),
        responseBody: gzipSync(stream),
        responseHeaders: { 'content-encoding': 'gzip' },
      }),
    ]);
    assert.equal(seen[0]!.is_sse, true, 'sniffed without a content-type');
    assert.equal(seen[0]!.response_body, null);
    assert.deepEqual(
      seen[0]!.stream_events.map((e) => `${e.event}=${e.data}`),
      ['a=1', 'b=2', 'c=3'],
    );
    assert.deepEqual(rig.rows('SELECT is_sse, stream_event_count FROM ai_gateway_exchanges'), [
      { is_sse: 1, stream_event_count: 3 },
    ]);
    assert.deepEqual(
      rig.rows(
        `SELECT DISTINCT json_extract(attributes, '$.gateway.is_sse') AS sse, json_extract(attributes, '$.gateway.stream_event_count') AS events FROM ai_gateway_messages`,
      ),
      [{ sse: 1, events: 3 }],
      'the message rows say how many events the exchange had',
    );
  } finally {
    await rig.close();
  }
});

test('match_key settlement: native ids replace fallback rows, and a late fallback for a settled key is not written', async () => {
  const rig = await startWriterRig([jsonProjector()]);
  try {
    const keyed = (m: ProjectedMessage, key: string, id?: string): ProjectedMessage => ({
      ...m,
      match_key: key,
      ...(id ? { message_id: id } : {}),
    });
    await rig.writer.writeBatch([
      makeRecord({
        requestBody: body({ conversation: 'c', messages: [keyed(user('q'), 'k-q'), keyed(assistant('a'), 'k-a')] }),
      }),
    ]);
    assert.equal(rig.count("SELECT count(*) FROM ai_gateway_messages WHERE attributes LIKE '%gateway_fallback%'"), 2);
    await rig.writer.writeBatch([
      makeRecord({
        requestBody: body({
          conversation: 'c',
          messages: [keyed(user('q'), 'k-q', 'uuid-q'), keyed(assistant('a'), 'k-a', 'uuid-a')],
        }),
      }),
    ]);
    assert.deepEqual(
      rig
        .rows<{ message_id: string }>('SELECT message_id FROM ai_gateway_messages ORDER BY message_id')
        .map((r) => r.message_id),
      ['uuid-a', 'uuid-q'],
    );
    await rig.writer.writeBatch([
      makeRecord({
        requestBody: body({
          conversation: 'c',
          messages: [keyed(user('q'), 'k-q'), keyed(assistant('a'), 'k-a'), user('next')],
        }),
      }),
    ]);
    assert.equal(rig.count('SELECT count(*) FROM ai_gateway_messages'), 3, 'only the new message is added');
  } finally {
    await rig.close();
  }
});

test('a re-check asked for by the projector runs with attempt 1 and its native ids settle the first rows', async () => {
  const seen: ExchangeInput[] = [];
  const rig = await startWriterRig([jsonProjector(seen)]);
  try {
    const messages = [
      { ...user('q'), match_key: 'q' },
      { ...assistant('a'), match_key: 'a' },
    ];
    const record = makeRecord({
      requestBody: body({ conversation: 'c', messages, recheck: true }),
      requestHeaders: { 'x-api-key': 'sk-proj-abcdefghijklmnopqrstuvwxyz' },
    });
    await rig.writer.writeBatch([record]);
    await waitFor(() => rig.logs.events('aigw.recheck').length === 1, 'the re-check', 5000);
    assert.deepEqual(
      rig
        .rows<{ message_id: string }>('SELECT message_id FROM ai_gateway_messages ORDER BY message_id')
        .map((r) => r.message_id),
      ['native-0', 'native-1'],
    );
    assert.equal(seen[1]!.request_headers['x-api-key'], 'sk-proj-…', 're-checks see the same header view');
    assert.equal(seen[1]!.exchange_id, record.exchange_id);
    assert.equal(rig.count('SELECT rows_written FROM ai_gateway_exchanges'), 4);
  } finally {
    await rig.close();
  }
});

test('conversation_started_at is the earliest time the conversation was seen; base64 is stripped from stored text', async () => {
  const rig = await startWriterRig([jsonProjector()]);
  try {
    const png = 'iVBORw0KGgo' + 'A'.repeat(4000);
    await rig.writer.writeBatch([
      makeRecord({
        tsStart: '2026-02-02T10:00:00.000Z',
        requestBody: body({ conversation: 'c', messages: [user('one')] }),
      }),
    ]);
    await rig.writer.writeBatch([
      makeRecord({
        tsStart: '2026-02-02T11:00:00.000Z',
        requestBody: body({
          conversation: 'c',
          messages: [
            user('one'),
            {
              role: 'user',
              content: [
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
                { type: 'text', text: `inline data:image/png;base64,${png}` },
              ],
            },
          ],
        }),
      }),
    ]);
    assert.deepEqual(rig.rows('SELECT DISTINCT conversation_started_at FROM ai_gateway_messages'), [
      { conversation_started_at: '2026-02-02T10:00:00.000Z' },
    ]);
    const texts = rig
      .rows<{ content_text: string }>(
        'SELECT content_text FROM ai_gateway_messages WHERE message_index = 1 ORDER BY part_index',
      )
      .map((r) => r.content_text);
    assert.deepEqual(texts, [
      `[base64 image/png omitted, ${png.length} chars]`,
      `inline [base64 image/png omitted, ${png.length} chars]`,
    ]);
  } finally {
    await rig.close();
  }
});

test('a database that refuses writes: the batch is reported failed with a reason, and every exchange is still logged and counted', async () => {
  const logs = recordingLogger();
  const counted: number[] = [];
  const readOnly = Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' });
  const writer = new ExchangeWriter({
    database: () => {
      throw readOnly;
    },
    log: logs.log,
    meter: {
      counter: (name) => ({
        add: (v) => {
          if (name === 'aigw.exchange_bytes') counted.push(v);
        },
      }),
    },
    projectors: () => [],
    settings: { gatewayId: 'gw', redactHeaders: [] },
  });
  const records = [makeRecord({ requestBody: 'a' }), makeRecord({ requestBody: 'bb' })];
  const outcome = await writer.writeBatch(records);
  assert.equal(outcome.ok, false);
  assert.deepEqual(outcome.ok ? [] : [outcome.reason, outcome.reported.length], ['db_readonly', 2]);
  assert.deepEqual(
    logs.events('aigw.exchange_write_failed').map((f) => f.reason),
    ['db_readonly', 'db_readonly'],
  );
  assert.deepEqual(
    logs.events('aigw.exchange').map((f) => [f.rows_written, f.write_failed]),
    [
      [0, 'db_readonly'],
      [0, 'db_readonly'],
    ],
  );
  assert.deepEqual(counted, [1, 2]);
  // the retry of the same records does not log them twice
  await writer.writeBatch(records);
  assert.equal(logs.events('aigw.exchange').length, 2);
});

test('ttfb_ms is stored as the proxy measured it, NULL without a first byte; an older table gains the column', async () => {
  const first = await startWriterRig([jsonProjector()]);
  assert.equal(first.count('SELECT count(*) FROM ai_gateway_exchanges'), 0); // opens the database: tables created
  await first.close();
  const old = new Database(join(first.hypHome, 'hypaware', 'hypaware.db'));
  // the table and the recorded spec as a version without the column left them
  old.exec('ALTER TABLE ai_gateway_exchanges DROP COLUMN ttfb_ms');
  const spec = JSON.parse(
    old.prepare(`SELECT spec_json FROM _hyp_datasets WHERE name = 'ai_gateway_exchanges'`).pluck().get() as string,
  ) as { columns: Array<{ name: string }> };
  spec.columns = spec.columns.filter((c) => c.name !== 'ttfb_ms');
  old.prepare(`UPDATE _hyp_datasets SET spec_json = ? WHERE name = 'ai_gateway_exchanges'`).run(JSON.stringify(spec));
  old.close();
  const rig = await startWriterRig([jsonProjector()], { hypHome: first.hypHome });
  try {
    const answered = { ...makeRecord({ path: '/v1/answered' }), ttfb_ms: 42 };
    const unanswered = { ...makeRecord({ path: '/v1/unanswered', status: 502 }), ttfb_ms: null };
    const fromOldSpill = makeRecord({ path: '/v1/old-spill' });
    assert.deepEqual(await rig.writer.writeBatch([answered, unanswered, fromOldSpill]), { ok: true, rowsWritten: 0 });
    const ttfb = rig.rows<{ path: string; ttfb_ms: number | null }>(
      'SELECT path, ttfb_ms FROM ai_gateway_exchanges ORDER BY rowid',
    );
    assert.deepEqual(ttfb, [
      { path: '/v1/answered', ttfb_ms: 42 },
      { path: '/v1/unanswered', ttfb_ms: null },
      { path: '/v1/old-spill', ttfb_ms: null },
    ]);
  } finally {
    await rig.close();
  }
});

test('a re-check reads the stored bodies only when its projector reads them, and then once', async () => {
  const { GatewayStore } = await import('@hypaware/ai-gateway/internal/recorder/gateway-store.js');
  const original = GatewayStore.prototype.exchangeBodies;
  let bodyReads = 0;
  GatewayStore.prototype.exchangeBodies = function (this: InstanceType<typeof GatewayStore>, id: string) {
    bodyReads++;
    return original.call(this, id);
  };
  const rechecked: Array<{ request: string | null; response: string | null }> = [];
  const projector: ExchangeProjector = {
    name: 'lazy-test',
    match: (x) => x.pathname === '/v1/test',
    project: (x, ctx): ProjectedExchange | undefined => {
      if (ctx.attempt === 0) {
        const req = JSON.parse(x.request_body!) as TestRequest;
        return { provider: 'test', conversation_id: req.conversation, messages: req.messages, recheck_after_ms: 10 };
      }
      // the second conversation's re-check is answered from memory: no body read
      if (x.request_headers['x-skip'] !== undefined) return undefined;
      rechecked.push({ request: x.request_body, response: x.response_body });
      rechecked.push({ request: x.request_body, response: x.response_body });
      return undefined;
    },
  };
  const rig = await startWriterRig([projector]);
  try {
    const requestBody = body({ conversation: 'read', messages: [user('q')] });
    await rig.writer.writeBatch([
      makeRecord({ requestBody, responseBody: '{"reply":"stored"}' }),
      makeRecord({
        requestBody: body({ conversation: 'skip', messages: [user('r')] }),
        requestHeaders: { 'x-skip': '1' },
      }),
    ]);
    await waitFor(() => rig.logs.events('aigw.recheck').length === 2, 'both re-checks', 5000);
    assert.deepEqual(rechecked, [
      { request: requestBody, response: '{"reply":"stored"}' },
      { request: requestBody, response: '{"reply":"stored"}' },
    ]);
    assert.equal(bodyReads, 1, 'one body read: the re-check that read them, once');
  } finally {
    GatewayStore.prototype.exchangeBodies = original;
    await rig.close();
  }
});
