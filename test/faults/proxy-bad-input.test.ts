/**
 * Unusual but legal client traffic: the upstream gets the exact bytes, the client gets the
 * upstream's answer, the exchange is recorded, and nothing unusual breaks the daemon.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { PROTOCOL_PATH, requestHeaders } from '../../harness/protocol-samples.js';
import { waitFor } from '../../harness/wait.js';
import {
  caseMarker,
  countRows,
  exchangeFor,
  httpCall,
  protocolCall,
  startRig,
  unhandledErrors,
  type Rig,
} from './fault-rig.js';

let rig: Rig;

before(async () => {
  rig = await startRig();
});

after(async () => {
  await rig?.stop();
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Headers of a request whose upstream answer reports the hash of the body it received. */
function hashedHeaders(id: string): Record<string, string> {
  return { ...requestHeaders('anthropic', `bad-${id}`), 'x-fake': 'hash', 'x-fake-id': id };
}

const pathFor = (id: string) => `${PROTOCOL_PATH.anthropic}?${caseMarker(id)}`;

/** Send raw bytes on a fresh socket; resolves with everything the server sent until it closed. */
function rawExchange(port: number, bytes: Buffer, closeAfterMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    const timer = setTimeout(() => socket.destroy(), closeAfterMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

describe('bad input to the proxy', () => {
  for (const [label, body] of [
    ['non-JSON body', Buffer.from('this is not JSON {"model": ')],
    [
      'non-UTF-8 body',
      Buffer.concat([
        Buffer.from('{"model":"x","messages":"'),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82]),
        randomBytes(512),
        Buffer.from('"}'),
      ]),
    ],
  ] as const) {
    test(`${label}: forwarded byte for byte and recorded`, async () => {
      const id = label.replace(/\W+/g, '-');
      const res = await httpCall(rig.endpoint, { path: pathFor(id), headers: hashedHeaders(id), body });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-fake-received-sha256'], sha256(body));
      const row = await exchangeFor(rig.daemon, id);
      assert.equal(row.request_bytes, body.length);
    });
  }

  test('Transfer-Encoding: chunked request body arrives whole', async () => {
    const parts = [
      Buffer.from('{"model":"claude-sonnet-4-5",'),
      Buffer.from('"max_tokens":10,'),
      Buffer.from('"messages":[{"role":"user","content":"chunked"}]}'),
    ];
    const url = new URL(pathFor('chunked'), rig.endpoint);
    const outcome = await new Promise<{ status?: number; hash?: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: url.pathname + url.search,
          headers: { ...hashedHeaders('chunked'), 'transfer-encoding': 'chunked' },
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode, hash: res.headers['x-fake-received-sha256'] as string }),
          );
        },
      );
      req.on('error', reject);
      let i = 0;
      const writeNext = () => {
        if (i === parts.length) {
          req.end();
          return;
        }
        req.write(parts[i++]);
        setTimeout(writeNext, 20);
      };
      writeNext();
    });
    assert.equal(outcome.status, 200);
    assert.equal(outcome.hash, sha256(Buffer.concat(parts)));
    await exchangeFor(rig.daemon, 'chunked');
  });

  test('Expect: 100-continue: the client is told to continue and the body arrives', async () => {
    const body = Buffer.from(
      '{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"expect"}]}',
    );
    const url = new URL(pathFor('expect'), rig.endpoint);
    const outcome = await new Promise<{ continued: boolean; status?: number; hash?: string }>((resolve, reject) => {
      let continued = false;
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: url.pathname + url.search,
          headers: { ...hashedHeaders('expect'), expect: '100-continue', 'content-length': String(body.length) },
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ continued, status: res.statusCode, hash: res.headers['x-fake-received-sha256'] as string }),
          );
        },
      );
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      req.on('error', reject);
      setTimeout(() => {
        if (!continued) req.destroy(new Error('no 100 Continue within 5 s'));
      }, 5000);
    });
    assert.equal(outcome.continued, true);
    assert.equal(outcome.status, 200);
    assert.equal(outcome.hash, sha256(body));
  });

  test('HTTP/1.0 client: JSON and SSE replies arrive complete and unchunked, the connection closes', async () => {
    const port = rig.daemon.port!;
    for (const [id, fake] of [
      ['http10', ''],
      ['http10-sse', 'sse=4'],
    ] as const) {
      const call = protocolCall('anthropic', fake, id);
      const body = call.body as Buffer;
      const head = `POST ${call.path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Api-Key: k\r\nAnthropic-Version: 2023-06-01\r\nX-Fake: ${fake}\r\nX-Fake-Id: ${id}\r\nContent-Length: ${body.length}\r\n\r\n`;
      const raw = await rawExchange(port, Buffer.concat([Buffer.from(head), body]));
      const split = raw.indexOf('\r\n\r\n');
      assert.match(raw, /^HTTP\/1\.[01] 200 /);
      assert.doesNotMatch(
        raw.slice(0, split),
        /transfer-encoding: chunked/i,
        'an HTTP/1.0 client cannot read chunked coding',
      );
      const direct = await httpCall(rig.upstream.url, { ...call, headers: { ...call.headers, 'x-fake': fake } });
      assert.equal(raw.slice(split + 4), direct.body.toString('latin1'), `${id}: the reply must arrive whole`);
      await exchangeFor(rig.daemon, id);
    }
  });

  test('header names in odd case reach the upstream with their values', async () => {
    const port = rig.daemon.port!;
    const body = Buffer.from('{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]}');
    const request = `POST ${pathFor('odd-case')} HTTP/1.1\r\nHOST: 127.0.0.1\r\nCONTENT-type: application/json\r\nX-API-KEY: odd-case-key\r\naNtHrOpIc-VeRsIoN: 2023-06-01\r\nX-Custom-HEADER: MixedValue\r\nx-FAKE-id: odd-case\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`;
    const reply = await rawExchange(port, Buffer.concat([Buffer.from(request), body]));
    assert.match(reply, /^HTTP\/1\.1 200 /);
    const seen = rig.upstream.records.find((r) => r.headers['x-fake-id'] === 'odd-case');
    assert.ok(seen, 'the upstream got the request');
    assert.equal(seen.headers['x-api-key'], 'odd-case-key');
    assert.equal(seen.headers['anthropic-version'], '2023-06-01');
    assert.equal(seen.headers['x-custom-header'], 'MixedValue');
    assert.equal(seen.headers.host, new URL(rig.upstream.url).host);
  });

  test('200 concurrent streams all complete and are all recorded', { timeout: 60_000 }, async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        httpCall(rig.endpoint, {
          ...protocolCall(i % 2 === 0 ? 'anthropic' : 'openai', 'sse=20;interval=10', `many-${i}`),
          timeoutMs: 30_000,
        }),
      ),
    );
    const broken = results
      .map((r, i) => ({ i, r }))
      .filter(
        ({ r }) => r.status !== 200 || r.error !== null || (r.body.toString().match(/^event: /gm) ?? []).length !== 25,
      );
    assert.deepEqual(
      broken.map(({ i, r }) => `${i}: ${r.status} ${r.error}`),
      [],
    );
    await waitFor(
      () =>
        countRows(rig.daemon, "SELECT count(*) AS n FROM ai_gateway_exchanges WHERE instr(path, 'case=many-') > 0") ===
          200 || undefined,
      '200 exchanges recorded',
      30_000,
    );
  });

  test('a 100 MB request body streams through whole; capture is capped and flagged', { timeout: 60_000 }, async () => {
    const size = 100 * 1024 * 1024;
    const block = randomBytes(1024 * 1024);
    const hash = createHash('sha256');
    for (let i = 0; i < 100; i++) hash.update(block);
    const url = new URL(pathFor('huge'), rig.endpoint);
    const outcome = await new Promise<{ status?: number; received?: string; hash?: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: url.pathname + url.search,
          headers: { ...hashedHeaders('huge'), 'content-length': String(size) },
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({
              status: res.statusCode,
              received: res.headers['x-fake-received-bytes'] as string,
              hash: res.headers['x-fake-received-sha256'] as string,
            }),
          );
        },
      );
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < 100) {
          sent++;
          if (!req.write(block)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    assert.equal(outcome.status, 200);
    assert.equal(outcome.received, String(size));
    assert.equal(outcome.hash, hash.digest('hex'));
    const row = await exchangeFor(rig.daemon, 'huge', 20_000);
    assert.equal(row.request_bytes, size);
    assert.equal(row.request_truncated, 1);
  });

  test('the daemon logged no unhandled error', () => {
    assert.deepEqual(unhandledErrors(rig.daemon), []);
  });
});
