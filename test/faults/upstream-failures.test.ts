/**
 * Upstream failures through the real daemon: the client gets what the upstream did (or a
 * protocol-shaped 502 when there was no answer), the daemon keeps serving, and every
 * exchange is recorded with its error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeFor, httpCall, protocolCall, refusedPort, startRig, unhandledErrors, type Rig } from './fault-rig.js';

const IDLE_TIMEOUT_MS = 1000;
let rig: Rig;

before(async () => {
  const deadPort = await refusedPort();
  rig = await startRig({
    gateway: { idle_timeout_ms: IDLE_TIMEOUT_MS },
    upstreams: [{ name: 'refused', base_url: `http://127.0.0.1:${deadPort}`, path_prefix: '/refused', priority: 10 }],
  });
});

after(async () => {
  await rig?.stop();
});

/** The same request straight to the fake upstream and through the gateway. */
async function bothWays(call: ReturnType<typeof protocolCall>) {
  const direct = await httpCall(rig.upstream.url, call);
  const proxied = await httpCall(rig.endpoint, call);
  return { direct, proxied };
}

async function assertStillServing(id: string): Promise<void> {
  const ok = await httpCall(rig.endpoint, protocolCall('anthropic', '', id));
  assert.equal(ok.status, 200, `the daemon stopped serving: ${ok.error ?? ok.body.toString()}`);
}

describe('upstream failures', () => {
  test('connection refused: Anthropic- and OpenAI-shaped 502, recorded with the error', async () => {
    const anthropic = await httpCall(
      rig.endpoint,
      protocolCall('anthropic', '', 'refused-a', { pathPrefix: '/refused' }),
    );
    assert.equal(anthropic.status, 502);
    const aBody = JSON.parse(anthropic.body.toString()) as { type: string; error: { type: string; message: string } };
    assert.equal(aBody.type, 'error');
    assert.equal(typeof aBody.error.message, 'string');

    const openai = await httpCall(rig.endpoint, protocolCall('openai', '', 'refused-o', { pathPrefix: '/refused' }));
    assert.equal(openai.status, 502);
    const oBody = JSON.parse(openai.body.toString()) as { error: { message: string } };
    assert.equal(typeof oBody.error.message, 'string');

    const row = await exchangeFor(rig.daemon, 'refused-a');
    assert.equal(row.status_code, 502);
    assert.match(String(row.error), /unreachable|ECONNREFUSED|refused/i);
    await assertStillServing('after-refused');
  });

  for (const status of [429, 500]) {
    for (const protocol of ['anthropic', 'openai'] as const) {
      test(`${status} with an error body (${protocol}) reaches the client unchanged`, async () => {
        const { direct, proxied } = await bothWays(
          protocolCall(protocol, `status=${status}`, `status-${status}-${protocol}`),
        );
        assert.equal(direct.status, status);
        assert.equal(proxied.status, status);
        assert.deepEqual(proxied.body, direct.body);
        assert.equal(proxied.headers['content-type'], direct.headers['content-type']);
        assert.equal(proxied.headers['retry-after'], direct.headers['retry-after']);
        const row = await exchangeFor(rig.daemon, `status-${status}-${protocol}`);
        assert.equal(row.status_code, status);
      });
    }
  }

  test('reset mid-stream: the client sees the same events, then the same broken connection', async () => {
    const { direct, proxied } = await bothWays(protocolCall('anthropic', 'sse=10;reset-after=3', 'reset-1'));
    assert.equal(direct.status, 200);
    assert.notEqual(direct.error, null, 'the fake upstream should have reset the stream');
    assert.equal(proxied.status, 200);
    assert.notEqual(proxied.error, null, 'the client must see the stream break, not a clean end');
    assert.deepEqual(proxied.body.toString(), direct.body.toString());
    const row = await exchangeFor(rig.daemon, 'reset-1');
    assert.equal(row.status_code, 200);
    assert.notEqual(row.error, null, 'a reset stream must be recorded with its error');
    await assertStillServing('after-reset');
  });

  test('upstream stalls mid-stream: the idle timeout ends it, upstream request aborted, recorded', async () => {
    const call = protocolCall('openai', 'sse=10;stall-after=2', 'stall-mid');
    const before = rig.upstream.records.length;
    const proxied = await httpCall(rig.endpoint, { ...call, timeoutMs: IDLE_TIMEOUT_MS * 10 });
    assert.equal(proxied.status, 200);
    assert.notEqual(proxied.error, null, 'a stalled stream must not look complete to the client');
    assert.notEqual(proxied.error, 'client timeout', 'the gateway, not the client, must end a stalled stream');
    assert.equal((proxied.body.toString().match(/^event: /gm) ?? []).length, 2);
    const row = await exchangeFor(rig.daemon, 'stall-mid');
    assert.match(String(row.error), /timeout/i);
    const upstreamSide = rig.upstream.records.slice(before).find((r) => r.headers['x-fake-id'] === 'stall-mid');
    assert.ok(upstreamSide, 'the upstream saw the request');
    assert.equal(upstreamSide.aborted, true, 'the gateway must abort the stalled upstream request');
  });

  test('upstream never answers: protocol-shaped 5xx after the idle timeout, recorded', async () => {
    const proxied = await httpCall(rig.endpoint, {
      ...protocolCall('anthropic', 'stall-headers', 'stall-head'),
      timeoutMs: IDLE_TIMEOUT_MS * 10,
    });
    assert.ok(proxied.status === 502 || proxied.status === 504, `status ${proxied.status}, error ${proxied.error}`);
    const body = JSON.parse(proxied.body.toString()) as { type: string; error: { message: string } };
    assert.equal(body.type, 'error');
    const row = await exchangeFor(rig.daemon, 'stall-head');
    assert.match(String(row.error), /timeout/i);
    await assertStillServing('after-stall');
  });

  test('SSE stream without the final blank line: same bytes, every event captured', async () => {
    for (const protocol of ['anthropic', 'openai'] as const) {
      const id = `no-blank-${protocol}`;
      const { direct, proxied } = await bothWays(protocolCall(protocol, 'sse=6;no-final-blank', id));
      assert.equal(proxied.error, null);
      assert.equal(proxied.body.toString(), direct.body.toString());
      assert.ok(!proxied.body.toString().endsWith('\n\n'));
      const row = await exchangeFor(rig.daemon, id);
      assert.equal(row.error, null);
      assert.equal(row.stream_event_count, 6 + 5, 'the last event (without its blank line) must be counted');
    }
  });

  test('invalid JSON in one event: same bytes to the client, exchange recorded, daemon serving', async () => {
    const { direct, proxied } = await bothWays(protocolCall('anthropic', 'sse=6;bad-json-at=3', 'bad-json'));
    assert.equal(proxied.error, null);
    assert.equal(proxied.body.toString(), direct.body.toString());
    const row = await exchangeFor(rig.daemon, 'bad-json');
    assert.equal(row.status_code, 200);
    assert.equal(row.stream_event_count, 11);
    await assertStillServing('after-bad-json');
  });

  test('corrupt gzip body: forwarded byte for byte, exchange recorded with the decode error', async () => {
    const good = await bothWays(protocolCall('openai', 'gzip', 'gzip-ok'));
    assert.equal(good.proxied.headers['content-encoding'], 'gzip');
    assert.deepEqual(good.proxied.body, good.direct.body);
    const goodRow = await exchangeFor(rig.daemon, 'gzip-ok');
    assert.equal(goodRow.error, null);
    assert.equal(goodRow.response_body_encoding, null, 'a valid gzip body is stored decoded');

    const { direct, proxied } = await bothWays(protocolCall('openai', 'corrupt-gzip', 'gzip-bad'));
    assert.equal(proxied.status, 200);
    assert.equal(proxied.headers['content-encoding'], 'gzip');
    assert.deepEqual(proxied.body, direct.body);
    const row = await exchangeFor(rig.daemon, 'gzip-bad');
    assert.equal(row.status_code, 200);
    assert.match(String(row.error), /response body/i, 'the record must say the body could not be decoded');
    assert.equal(row.response_body_encoding, 'gzip', 'undecodable bytes are kept with their coding');
    await assertStillServing('after-gzip');
  });

  test('no unhandled error in the daemon after all of the above', async () => {
    assert.deepEqual(unhandledErrors(rig.daemon), []);
    assert.equal(rig.daemon.status().state, 'running');
  });
});
