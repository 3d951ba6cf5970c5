// ai_gateway_passthrough: the real daemon (`hyp daemon run --foreground`) with the gateway
// alone and one echo upstream. The upstream sees the exact bytes, path, query and headers; the
// client gets the exact bytes back; one ai_gateway_exchanges row, no message rows; one
// `aigw.exchange` log with rows_written=0; the capability is listed at 2.0.0 by `hyp status`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { startEchoUpstream } from '../harness/echo-upstream.js';

const RUN_ID = `passthrough-${process.pid}-${Date.now()}`;

/** Headers the gateway must drop or rewrite (hop-by-hop, host). */
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-connection',
]);

function post(
  endpoint: string,
  path: string,
  rawHeaders: string[],
  body: Buffer,
): Promise<{ status: number; body: Buffer }> {
  const url = new URL(path, endpoint);
  return new Promise((resolve, reject) => {
    // raw header arrays go out as given: node adds no Host of its own
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: ['Host', url.host, ...rawHeaders],
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('ai_gateway_passthrough', async (t) => {
  const echo = await startEchoUpstream();
  t.after(() => echo.close());
  const daemon = await startDaemon({
    config: {
      plugins: {
        '@hypaware/claude': { enabled: false },
        '@hypaware/codex': { enabled: false },
        '@hypaware/ai-gateway': {
          listen: '127.0.0.1:0',
          upstreams: [{ name: 'echo', base_url: echo.url, path_prefix: '/' }],
        },
      },
    },
  });
  t.after(() => daemon.stop());
  assert.match(daemon.endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);

  await t.test('hyp status lists the capability at 2.0.0 and the loopback endpoint', async () => {
    const status = await runHyp(['status', '--json'], { hypHome: daemon.hypHome });
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as {
      capabilities: Array<{ name: string; version: string; provider: string }>;
      daemon: { endpoint?: string };
    };
    assert.deepEqual(
      report.capabilities.find((c) => c.name === 'hypaware.ai-gateway'),
      { name: 'hypaware.ai-gateway', version: '2.0.0', provider: '@hypaware/ai-gateway' },
    );
    assert.equal(report.daemon.endpoint, daemon.endpoint);
  });

  const path = '/v1/echo?beta=true&q=a%20b';
  const body = Buffer.concat([Buffer.from('{"model":"m","text":"héllo ✓"}\n'), randomBytes(4096)]);
  const headers = [
    'Content-Type',
    'application/octet-stream',
    'X-Hyp-Dev-Run-Id',
    RUN_ID,
    'X-Custom-MixedCase',
    'Some Value',
    'Authorization',
    'Bearer sk-test-passthrough-0123456789',
    'Accept',
    '*/*',
    'Connection',
    'keep-alive',
  ];
  let reply: { status: number; body: Buffer };

  await t.test('the upstream sees the exact bytes, path, query and headers', async () => {
    reply = await post(daemon.endpoint!, path, headers, body);
    assert.equal(reply.status, 200);
    assert.equal(echo.requests.length, 1);
    const seen = echo.requests[0]!;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, path);
    assert.deepEqual(seen.body, body);
    const pairs = (raw: string[]) => raw.flatMap((_, i) => (i % 2 === 0 ? [`${raw[i]}: ${raw[i + 1]}`] : []));
    const sent = pairs(headers).filter((h) => !NOT_FORWARDED.has(h.split(':')[0]!.toLowerCase()));
    const received = pairs(seen.rawHeaders).filter((h) => !NOT_FORWARDED.has(h.split(':')[0]!.toLowerCase()));
    // node adds content-length for the client's body; everything the client set arrives in order
    assert.deepEqual(
      received.filter((h) => !h.toLowerCase().startsWith('content-length:')),
      sent,
    );
    assert.ok(received.includes(`content-length: ${body.length}`));
    assert.equal(
      seen.rawHeaders[seen.rawHeaders.findIndex((h) => h.toLowerCase() === 'host') + 1],
      new URL(echo.url).host,
    );
  });

  await t.test('the client gets the exact bytes the upstream sent', () => {
    assert.deepEqual(reply.body, echo.requests[0]!.reply);
  });

  await t.test(
    'after stop: one exchange row, zero message rows, one aigw.exchange log with rows_written=0',
    async () => {
      const stopped = await daemon.stop();
      assert.equal(stopped.code, 0);
      const messages = await runHyp(
        ['query', 'sql', 'SELECT count(*) AS n FROM ai_gateway_messages', '--format', 'json'],
        { hypHome: daemon.hypHome },
      );
      assert.equal(messages.code, 0, messages.stderr);
      assert.equal(messages.stderr, '');
      assert.deepEqual(JSON.parse(messages.stdout), [{ n: 0 }]);
      const sql = `SELECT upstream, path, status_code, request_bytes, response_bytes, rows_written, skip_reason, request_headers FROM ai_gateway_exchanges WHERE json_extract(metadata, '$.dev_run_id') = '${RUN_ID}'`;
      const exchanges = await runHyp(['query', 'sql', sql, '--format', 'json'], { hypHome: daemon.hypHome });
      assert.equal(exchanges.code, 0, exchanges.stderr);
      const rows = JSON.parse(exchanges.stdout) as Array<Record<string, unknown>>;
      assert.equal(rows.length, 1);
      assert.deepEqual(
        { ...rows[0], request_headers: undefined },
        {
          upstream: 'echo',
          path,
          status_code: 200,
          request_bytes: body.length,
          response_bytes: reply.body.length,
          rows_written: 0,
          skip_reason: 'no_projector_match',
          request_headers: undefined,
        },
      );
      assert.equal(
        (JSON.parse(String(rows[0]!.request_headers)) as Record<string, string>).authorization,
        '[redacted]',
      );

      const logged = daemon.logLines().filter((l) => l.event === 'aigw.exchange' && l.dev_run_id === RUN_ID);
      assert.equal(logged.length, 1);
      const line = logged[0]!;
      assert.deepEqual(
        {
          upstream: line.upstream,
          path: line.path,
          status_code: line.status_code,
          request_bytes: line.request_bytes,
          is_sse: line.is_sse,
          rows_written: line.rows_written,
        },
        { upstream: 'echo', path, status_code: 200, request_bytes: body.length, is_sse: false, rows_written: 0 },
      );
      assert.ok(Number(line.response_bytes) > 0);
    },
  );
});
