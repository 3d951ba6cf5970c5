/** The capture side's pure pieces: redaction, body decoding, SSE parsing, base64 stripping, the capture cap. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import {
  headerMap,
  redactForProjector,
  redactForStorage,
  secretHeaderNames,
  secretKindView,
} from '@hypaware/ai-gateway/internal/recorder/header-redaction.js';
import { decodeBody } from '@hypaware/ai-gateway/internal/recorder/body-decoding.js';
import { isEventStream, parseEventStream } from '@hypaware/ai-gateway/internal/recorder/sse-events.js';
import { partContentText, stripBase64 } from '@hypaware/ai-gateway/internal/recorder/content-text.js';
import { BodyCapture } from '@hypaware/ai-gateway/internal/proxy/body-capture.js';

const SECRET = 'sk-ant-api03-Zq8RtY2wVb5nM1kL9pX7cJ4hG6fD3sA0';

test('storage redaction: secret headers (defaults and configured extras) keep no character of the value', () => {
  const raw = [
    'Authorization',
    `Bearer ${SECRET}`,
    'X-Api-Key',
    SECRET,
    'Cookie',
    'a=b',
    'set-cookie',
    'x=1',
    'set-cookie',
    'y=2',
    'ChatGPT-Account-Id',
    'acct-42',
    'X-My-Token',
    'abc',
    'Proxy-Authorization',
    'Basic Zm9v',
    'User-Agent',
    'claude-cli/2.0',
  ];
  const stored = redactForStorage(headerMap(raw), secretHeaderNames(['X-MY-TOKEN']));
  assert.deepEqual(stored, {
    authorization: '[redacted]',
    'x-api-key': '[redacted]',
    cookie: '[redacted]',
    'set-cookie': ['[redacted]', '[redacted]'],
    'chatgpt-account-id': '[redacted]',
    'x-my-token': '[redacted]',
    'proxy-authorization': '[redacted]',
    'user-agent': 'claude-cli/2.0',
  });
  const text = JSON.stringify(stored);
  for (const secret of [SECRET.slice(-6), 'acct-42', 'Zm9v', 'abc'])
    assert.ok(!text.includes(secret), `leaked ${secret}`);
});

test('projector view: scheme and public key kind kept, no secret characters', () => {
  assert.equal(secretKindView(`Bearer ${SECRET}`), 'Bearer sk-ant-api03-…');
  assert.equal(secretKindView('Bearer sk-ant-oat01-AbCdEfGhIjKlMnOp'), 'Bearer sk-ant-oat01-…');
  assert.equal(secretKindView('sk-proj-AbCdEfGhIjKlMnOpQrSt'), 'sk-proj-…');
  assert.equal(secretKindView('Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'), 'Bearer eyJ…');
  assert.equal(secretKindView('hunter2'), '…');
  assert.equal(secretKindView('sk-ant-abc'), '…', 'too short to show a kind without showing the secret');
  assert.equal(secretKindView('Basic Zm9vOmJhcg=='), 'Basic …');
  const view = redactForProjector(
    headerMap(['x-api-key', SECRET, 'anthropic-version', '2023-06-01']),
    secretHeaderNames([]),
  );
  assert.deepEqual(view, { 'x-api-key': 'sk-ant-api03-…', 'anthropic-version': '2023-06-01' });
});

test('content-encoding is undone for gzip, br, deflate (zlib and raw) and stacked codings', () => {
  const body = Buffer.from(JSON.stringify({ hello: 'world', n: 42 }));
  for (const [encoding, bytes] of [
    ['gzip', gzipSync(body)],
    ['x-gzip', gzipSync(body)],
    ['br', brotliCompressSync(body)],
    ['deflate', deflateSync(body)],
    ['deflate', deflateRawSync(body)],
    ['gzip, br', brotliCompressSync(gzipSync(body))],
    ['identity', body],
  ] as const) {
    const decoded = decodeBody(bytes, encoding);
    assert.equal(decoded.error, undefined, encoding);
    assert.equal(decoded.encoding, null);
    assert.deepEqual(decoded.bytes, body, encoding);
  }
});

test('a cut-short compressed body yields its prefix; a corrupt one keeps the raw bytes and says why', () => {
  const body = Buffer.from('data: ' + 'x'.repeat(20_000) + '\n\n');
  const gz = gzipSync(body);
  const short = decodeBody(gz.subarray(0, Math.floor(gz.length * 0.6)), 'gzip');
  assert.match(short.error ?? '', /partially/);
  assert.ok(short.bytes.length > 0 && body.subarray(0, short.bytes.length).equals(short.bytes));

  const corrupt = Buffer.from(gz);
  for (let i = 12; i < corrupt.length - 8; i += 7) corrupt[i] = corrupt[i]! ^ 0x5a;
  const bad = decodeBody(corrupt, 'gzip');
  assert.match(bad.error ?? '', /decode failed \(gzip\)/);
  assert.equal(bad.encoding, 'gzip');
  assert.deepEqual(bad.bytes, corrupt);
  assert.match(decodeBody(Buffer.from('abc'), 'snappy').error ?? '', /unsupported content-encoding snappy/);
});

test('SSE: every event in order, comments skipped, CRLF handled, a final event without its blank line flushed', () => {
  const text =
    'event: message_start\ndata: {"a":1}\n\n: ping\n\nevent: ping\ndata: {}\r\n\r\ndata: line1\ndata: line2\nid: 7\n\nevent: message_stop\ndata: {"z":9}';
  assert.deepEqual(parseEventStream(text), [
    { event: 'message_start', data: '{"a":1}' },
    { event: 'ping', data: '{}' },
    { event: 'message', data: 'line1\nline2', id: '7' },
    { event: 'message_stop', data: '{"z":9}' },
  ]);
  assert.equal(parseEventStream('data: a\n\n').length, 1, 'a complete stream gets no phantom event');
});

test('SSE is recognised by content-type, or sniffed when the upstream sent none', () => {
  assert.equal(isEventStream('text/event-stream; charset=utf-8', '{}'), true);
  assert.equal(isEventStream(undefined, 'event: response.created\ndata: {}\n\n'), true);
  assert.equal(isEventStream(undefined, ': comment\n\n'), true);
  assert.equal(isEventStream(undefined, '{"data": 1}'), false);
  assert.equal(isEventStream('application/json', 'data: {}\n\n'), false);
});

test('base64 payloads never reach content_text: data URIs and base64 sources become markers with the media type', () => {
  const payload = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
  const stripped = stripBase64(
    `see data:image/png;base64,${payload} and data:application/pdf;name=x.pdf;base64,JVBERi0xLjQ= done`,
  );
  assert.equal(
    stripped,
    `see [base64 image/png omitted, ${payload.length} chars] and [base64 application/pdf omitted, 12 chars] done`,
  );
  assert.equal(
    partContentText({ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: payload } }),
    `[base64 image/jpeg omitted, ${payload.length} chars]`,
  );
  const tool = partContentText({
    type: 'tool_result',
    call_id: 't',
    content: [
      { type: 'text', text: 'shot:' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: payload } },
    ],
  });
  assert.equal(tool, `shot:\n[base64 image/png omitted, ${payload.length} chars]`);
  assert.ok(
    !String(partContentText({ type: 'text', text: `{"image":"data:image/webp;base64,${payload}"}` })).includes(payload),
  );
  assert.equal(
    partContentText({ type: 'file', source: { type: 'url', url: 'https://x/doc.pdf' } }),
    'https://x/doc.pdf',
  );
  assert.equal(partContentText({ type: 'text', text: 'plain' }), 'plain');
});

test('capture cap: bytes are counted in full, kept up to the cap, and truncation is flagged', () => {
  const capture = new BodyCapture(10);
  capture.add(Buffer.from('12345'));
  capture.add(Buffer.from('67890abc'));
  capture.add(Buffer.from('def'));
  assert.equal(capture.bytes, 16);
  assert.equal(capture.truncated, true);
  const kept = capture.take()!;
  assert.equal(Buffer.from(kept).toString(), '1234567890');
  assert.ok(kept.buffer instanceof SharedArrayBuffer);

  const exact = new BodyCapture(5);
  exact.add(Buffer.from('12345'));
  assert.equal(exact.truncated, false);
  assert.equal(new BodyCapture(5).take(), null);
});

test('an announced body is copied as it passes: same bytes, cap and truncation, whatever the chunking', () => {
  const body = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 256));
  for (const [cap, announced] of [
    [8000, 5000],
    [3000, 5000],
    [8000, 4000],
    [8000, 9000],
  ] as const) {
    const capture = new BodyCapture(cap);
    capture.expect(announced);
    for (let at = 0; at < body.length; at += 777) capture.add(body.subarray(at, Math.min(body.length, at + 777)));
    const kept = capture.take()!;
    const expected = body.subarray(0, Math.min(cap, body.length));
    assert.equal(Buffer.compare(Buffer.from(kept), expected), 0, `cap ${cap}, announced ${announced}`);
    assert.equal(capture.bytes, body.length);
    assert.equal(capture.truncated, body.length > cap);
    assert.ok(kept.buffer instanceof SharedArrayBuffer);
  }
});

test('expect after the first chunk, or with a bad length, changes nothing', () => {
  const late = new BodyCapture(100);
  late.add(Buffer.from('abc'));
  late.expect(10);
  late.add(Buffer.from('def'));
  assert.equal(Buffer.from(late.take()!).toString(), 'abcdef');
  const bad = new BodyCapture(100);
  bad.expect(Number.NaN);
  bad.add(Buffer.from('xyz'));
  assert.equal(Buffer.from(bad.take()!).toString(), 'xyz');
});
