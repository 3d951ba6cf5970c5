/**
 * The proxy in-process (no writer): what the upstream and the client see, the record handed
 * over for each exchange, error shapes, aborts, big bodies and the capture cap.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { ExchangeRecord } from '@hypaware/ai-gateway/internal/exchange-record.js';
import { ProxyServer } from '@hypaware/ai-gateway/internal/proxy/proxy-server.js';
import { compileRoutingTable, type RoutingTable } from '@hypaware/ai-gateway/internal/proxy/routing.js';
import type { ConfigUpstream } from '@hypaware/ai-gateway/internal/config.js';
import { startEchoUpstream, type EchoReply, type EchoUpstream } from '../../harness/echo-upstream.js';
import { waitFor } from '../../harness/wait.js';
import { recordingLogger } from './gateway-fixtures.js';

const CAP = 64 * 1024;
const LATE_HEAD_MS = 150;
let echo: EchoUpstream;
let echo6: EchoUpstream | undefined;
let special: Server;
let endlessClosed = false;
let specialUrl: string;
let proxy: ProxyServer;
let endpoint: string;
let table: RoutingTable;
const records: ExchangeRecord[] = [];
const logs = recordingLogger();

before(async () => {
  echo = await startEchoUpstream();
  try {
    echo6 = await startEchoUpstream({ host: '::1' });
  } catch {
    /* no IPv6 loopback here */
  }
  special = createServer((req, res) => {
    if (req.url === '/s/gzip') {
      const gz = gzipSync('{"compressed":true}');
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': String(gz.length),
      });
      res.end(gz);
      return;
    }
    if (req.url === '/s/late-head') {
      // the head leaves LATE_HEAD_MS after the request arrived: a lower bound for the gateway's ttfb
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('late'), LATE_HEAD_MS);
      return;
    }
    if (req.url === '/s/endless') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: tick\n\n'), 10);
      res.on('close', () => {
        clearInterval(timer);
        endlessClosed = !res.writableFinished;
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => special.listen(0, '127.0.0.1', r));
  specialUrl = `http://127.0.0.1:${(special.address() as AddressInfo).port}`;
  const upstreams: ConfigUpstream[] = [
    { name: 'echo-base', base_url: `${echo.url}/base/`, path_prefix: '/based' },
    { name: 'special', base_url: specialUrl, path_prefix: '/s' },
    { name: 'dead', base_url: 'http://127.0.0.1:9', path_prefix: '/dead' },
    ...(echo6 ? [{ name: 'echo6', base_url: echo6.url, path_prefix: '/six' }] : []),
    { name: 'echo', base_url: echo.url, path_prefix: '/v1' },
  ];
  table = compileRoutingTable(upstreams, []);
  proxy = new ProxyServer({
    table: () => table,
    captureMaxBytes: () => CAP,
    idleTimeoutMs: 5000,
    log: logs.log,
    onExchange: (r) => records.push(r),
  });
  const bound = await proxy.listen({ host: '127.0.0.1', port: 0 }, false);
  endpoint = `http://127.0.0.1:${bound.port}`;
});

after(async () => {
  await proxy.close(1000);
  await echo.close();
  await echo6?.close();
  await new Promise<void>((r) => {
    special.closeAllConnections();
    special.close(() => r());
  });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Reply> {
  const url = new URL(path, endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? 'POST',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const recordFor = (path: string) => waitFor(() => records.find((r) => r.path === path), `the record of ${path}`, 5000);

test('bytes, path, query and headers reach the upstream unchanged; the reply comes back unchanged', async () => {
  const body = Buffer.from('{"model":"x","messages":[{"role":"user","content":"héllo"}]}');
  const reply = await call('/v1/echo?a=1&b=%20', {
    headers: { 'content-type': 'application/json', 'X-Custom-Case': 'Value', authorization: 'Bearer sk-test' },
    body,
  });
  assert.equal(reply.status, 200);
  const echoed = JSON.parse(reply.body.toString()) as EchoReply;
  assert.equal(echoed.url, '/v1/echo?a=1&b=%20');
  assert.equal(echoed.bodySha256, createHash('sha256').update(body).digest('hex'));
  const h = echoed.rawHeaders;
  assert.equal(h[h.indexOf('X-Custom-Case') + 1], 'Value');
  assert.equal(h[h.indexOf('authorization') + 1], 'Bearer sk-test');
  assert.equal(h[h.indexOf('host') + 1], new URL(echo.url).host);
  const upstreamSaw = echo.requests.at(-1)!;
  assert.deepEqual(upstreamSaw.body, body);
  const record = await recordFor('/v1/echo?a=1&b=%20');
  assert.equal(record.upstream, 'echo');
  assert.equal(record.status_code, 200);
  assert.equal(record.request_bytes, body.length);
  assert.deepEqual(Buffer.from(record.request_body!), body);
  assert.deepEqual(Buffer.from(record.response_body!), reply.body);
  assert.equal(record.error, null);
});

test('exchange ids are time-ordered: a UUIDv7 layout whose first 48 bits are the arrival (ts_start)', async () => {
  await call('/v1/echo?id=1', { body: 'a' });
  await call('/v1/echo?id=2', { body: 'b' });
  const first = await recordFor('/v1/echo?id=1');
  const second = await recordFor('/v1/echo?id=2');
  for (const r of [first, second]) {
    assert.match(r.exchange_id, /^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    assert.equal(Number.parseInt(r.exchange_id.slice(0, 12), 16), Date.parse(r.ts_start));
  }
  assert.ok(first.exchange_id < second.exchange_id, `${first.exchange_id} sorts before ${second.exchange_id}`);
});

test('a base_url path prefix is kept in front of the client path', async () => {
  const reply = await call('/based/x?q=1', { body: 'b' });
  assert.equal((JSON.parse(reply.body.toString()) as EchoReply).url, '/base/based/x?q=1');
});

test('an IPv6 upstream works', async (t) => {
  if (!echo6) {
    t.skip('no IPv6 loopback');
    return;
  }
  const reply = await call('/six/x', { body: 'v6' });
  assert.equal((JSON.parse(reply.body.toString()) as EchoReply).bodyBytes, 2);
});

test('no matching upstream: 502 JSON in the client protocol, recorded', async () => {
  const anthropic = await call('/v1x/messages', { headers: { 'anthropic-version': '2023-06-01' }, body: 'x' });
  assert.equal(anthropic.status, 502);
  const a = JSON.parse(anthropic.body.toString()) as { type: string; error: { type: string; message: string } };
  assert.equal(a.type, 'error');
  assert.equal(a.error.type, 'api_error');
  const openai = await call('/elsewhere', { body: 'y' });
  assert.equal(openai.status, 502);
  const o = JSON.parse(openai.body.toString()) as { error: { message: string; type: string; code: string } };
  assert.equal(o.error.code, 'no_upstream_match');
  const record = await recordFor('/elsewhere');
  assert.equal(record.upstream, null);
  assert.equal(record.error, 'no_upstream_match');
  assert.equal(record.request_bytes, 1);
  assert.ok(logs.events('aigw.no_upstream_match').some((f) => f.path === '/elsewhere'));
});

test('an unreachable upstream gives a 502 in the client protocol and a recorded error', async () => {
  const reply = await call('/dead/v1/messages', { headers: { 'x-api-key': 'k' }, body: 'z' });
  assert.equal(reply.status, 502);
  assert.equal((JSON.parse(reply.body.toString()) as { type: string }).type, 'error');
  const record = await recordFor('/dead/v1/messages');
  assert.match(String(record.error), /^upstream_unreachable: .*ECONNREFUSED/);
  assert.equal(record.status_code, 502);
});

test('a compressed response is forwarded compressed, byte for byte', async () => {
  const reply = await call('/s/gzip', { method: 'GET' });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-encoding'], 'gzip');
  assert.deepEqual(reply.body, gzipSync('{"compressed":true}'));
  const record = await recordFor('/s/gzip');
  assert.deepEqual(Buffer.from(record.response_body!), reply.body, 'captured as received; the writer decodes');
});

test('a client that goes away mid-stream aborts the upstream request; the exchange is recorded as aborted', async () => {
  const url = new URL('/s/endless', endpoint);
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'GET', agent: false },
      (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      },
    );
    req.on('error', () => undefined);
    setTimeout(() => reject(new Error('no data')), 3000);
    req.end();
  });
  const record = await recordFor('/s/endless');
  assert.equal(record.aborted, true);
  assert.equal(record.error, 'client_aborted');
  await waitFor(() => endlessClosed, 'the upstream to see the request aborted', 3000);
});

test('a 32 MB request body streams through whole; the capture keeps the cap and flags the truncation', async () => {
  const big = Buffer.alloc(32 * 1024 * 1024, 'abcdefghij');
  const reply = await call('/v1/big', { body: big });
  const echoed = JSON.parse(reply.body.toString()) as EchoReply;
  assert.equal(echoed.bodyBytes, big.length);
  assert.equal(echoed.bodySha256, createHash('sha256').update(big).digest('hex'));
  const record = await recordFor('/v1/big');
  assert.equal(record.request_bytes, big.length);
  assert.equal(record.request_truncated, true);
  assert.equal(record.request_body!.byteLength, CAP);
  assert.deepEqual(Buffer.from(record.request_body!), big.subarray(0, CAP));
  assert.equal(record.response_truncated, false);
});

test('ttfb_ms: time to the first upstream byte sent to the client; null when the upstream never answered', async () => {
  const late = await call('/s/late-head', { method: 'GET' });
  assert.equal(late.body.toString(), 'late');
  const record = await recordFor('/s/late-head');
  assert.equal(typeof record.ttfb_ms, 'number');
  assert.ok(
    record.ttfb_ms! >= LATE_HEAD_MS - 1,
    `ttfb ${record.ttfb_ms} ms, the upstream held its head ${LATE_HEAD_MS} ms`,
  );
  assert.ok(record.ttfb_ms! <= record.duration_ms, 'the first byte went out before the exchange ended');
  const echoed = await recordFor('/v1/echo?a=1&b=%20');
  assert.equal(typeof echoed.ttfb_ms, 'number');
  assert.equal((await recordFor('/dead/v1/messages')).ttfb_ms, null, 'the gateway answered itself');
  assert.equal((await recordFor('/elsewhere')).ttfb_ms, null, 'no upstream took it');
  const streamed = await recordFor('/s/endless');
  assert.equal(typeof streamed.ttfb_ms, 'number');
});
