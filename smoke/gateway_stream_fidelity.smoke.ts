// gateway_stream_fidelity: the real daemon in front of a fake upstream that drips SSE events
// 20 ms apart. Each event reaches the client as it is sent (per-event delays are measured
// and printed, for the gateway and for a direct connection); the response bytes through the
// gateway equal a direct connection's, for an event stream, a stream without its final blank
// line, and a gzip-compressed JSON reply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startDaemon } from '../harness/daemon.js';
import { startFakeUpstream } from '../harness/fake-upstream.js';
import { PROTOCOL_PATH, STREAM_FRAMING_EVENTS, requestHeaders, requestTemplate } from '../harness/protocol-samples.js';

const EVENTS = 50;
const INTERVAL_MS = 20;

interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** per complete event: ms from the upstream's send stamp to its arrival here */
  delays: number[];
  /** arrival time (epoch ms) of each complete event */
  arrivals: number[];
}

const nowMs = () => performance.timeOrigin + performance.now();

/** POST and read the reply, timing every complete SSE event against its `: sent=` stamp. */
function fetchTimed(
  origin: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer,
): Promise<Received> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: 'POST', path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        const delays: number[] = [];
        const arrivals: number[] = [];
        let pending = '';
        res.on('data', (chunk: Buffer) => {
          const at = nowMs();
          chunks.push(chunk);
          pending += chunk.toString('latin1');
          let end: number;
          while ((end = pending.indexOf('\n\n')) >= 0) {
            const frame = pending.slice(0, end);
            pending = pending.slice(end + 2);
            const stamp = /^: sent=(\d+(?:\.\d+)?)$/m.exec(frame);
            if (stamp) {
              delays.push(at - Number(stamp[1]));
              arrivals.push(at);
            }
          }
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), delays, arrivals }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `n=${values.length} min=${sorted[0]!.toFixed(2)} median=${at(0.5).toFixed(2)} p95=${at(0.95).toFixed(2)} max=${sorted.at(-1)!.toFixed(2)} ms`;
}

test('gateway_stream_fidelity', async (t) => {
  const upstream = await startFakeUpstream();
  t.after(() => upstream.close());
  const daemon = await startDaemon({
    config: {
      plugins: {
        '@hypaware/claude': { enabled: false },
        '@hypaware/codex': { enabled: false },
        '@hypaware/ai-gateway': {
          listen: '127.0.0.1:0',
          upstreams: [{ name: 'fake', base_url: upstream.url, path_prefix: '/' }],
        },
      },
    },
  });
  t.after(() => daemon.stop());
  const endpoint = daemon.endpoint!;
  const path = PROTOCOL_PATH.anthropic;
  const request = (id: string, fake: string) => ({
    headers: { ...requestHeaders('anthropic', `fidelity-${id}`), 'x-fake': fake, 'x-fake-id': id },
    body: requestTemplate('anthropic', {
      sessionId: `fidelity-${id}`,
      targetBytes: 2000,
      stream: fake.includes('sse='),
    }).build(id),
  });

  await t.test(`${EVENTS} events ${INTERVAL_MS} ms apart each reach the client as they are sent`, async () => {
    const drip = `sse=${EVENTS};interval=${INTERVAL_MS};stamp`;
    const direct = await fetchTimed(
      upstream.url,
      path,
      request('drip-direct', drip).headers,
      request('drip-direct', drip).body,
    );
    const proxied = await fetchTimed(
      endpoint,
      path,
      request('drip-gateway', drip).headers,
      request('drip-gateway', drip).body,
    );
    const expected = EVENTS + STREAM_FRAMING_EVENTS.anthropic;
    assert.equal(direct.delays.length, expected);
    assert.equal(proxied.status, 200);
    assert.equal(proxied.delays.length, expected, 'every stamped event arrived through the gateway');
    const added = proxied.delays.map((d, i) => d - (direct.delays[i] ?? 0));
    console.log(`direct connection, per-event delay: ${summary(direct.delays)}`);
    console.log(`through the gateway, per-event delay: ${summary(proxied.delays)}`);
    console.log(`gateway minus direct, per event: ${summary(added)}`);
    console.log(`through the gateway, every delay (ms): ${proxied.delays.map((d) => d.toFixed(1)).join(' ')}`);
    // generous bounds only: events flow while the stream runs, none is held back to its end
    const span = proxied.arrivals.at(-1)! - proxied.arrivals[0]!;
    const sentSpan = (expected - 1) * INTERVAL_MS;
    assert.ok(
      span > sentSpan * 0.5,
      `events arrived within ${span.toFixed(0)} ms of each other although sent over ${sentSpan} ms: they were batched`,
    );
    for (const [i, delay] of proxied.delays.entries()) {
      assert.ok(delay < sentSpan / 2, `event ${i} arrived ${delay.toFixed(0)} ms after it was sent`);
    }
  });

  await t.test(
    'response bytes equal a direct connection: SSE, SSE without the final blank line, gzip JSON',
    async () => {
      for (const [id, fake] of [
        ['bytes-sse', `sse=${EVENTS};interval=2`],
        ['bytes-no-final-blank', 'sse=5;no-final-blank'],
        ['bytes-gzip', 'gzip'],
      ] as const) {
        const { headers, body } = request(id, fake);
        const direct = await fetchTimed(upstream.url, path, headers, body);
        const proxied = await fetchTimed(endpoint, path, headers, body);
        assert.equal(proxied.status, direct.status, id);
        assert.deepEqual(
          proxied.body,
          direct.body,
          `${id}: the bytes through the gateway differ from a direct connection`,
        );
        for (const name of ['content-type', 'content-encoding', 'request-id'])
          assert.equal(proxied.headers[name], direct.headers[name], `${id}: ${name}`);
        console.log(
          `${id}: ${proxied.body.length} bytes identical (content-encoding ${String(proxied.headers['content-encoding'] ?? 'none')})`,
        );
      }
    },
  );

  await t.test('the recorded exchanges hold every event and the decoded gzip body', async () => {
    const stopped = await daemon.stop();
    assert.equal(stopped.code, 0);
    const db = daemon.db();
    try {
      const byId = (id: string) =>
        db
          .prepare('SELECT * FROM ai_gateway_exchanges WHERE json_extract(request_headers, \'$."x-fake-id"\') = ?')
          .get(id) as Record<string, unknown>;
      assert.equal(byId('drip-gateway').stream_event_count, EVENTS + STREAM_FRAMING_EVENTS.anthropic);
      assert.equal(byId('bytes-no-final-blank').stream_event_count, 5 + STREAM_FRAMING_EVENTS.anthropic);
      const gz = byId('bytes-gzip');
      assert.equal(gz.response_content_encoding, 'gzip');
      assert.equal(gz.response_body_encoding, null);
      assert.equal(gz.error, null);
    } finally {
      db.close();
    }
  });
});
