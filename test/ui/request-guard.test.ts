// What `hyp ui` accepts: only requests naming it in Host, writes only from its own pages with
// a JSON body, and only loopback addresses to listen on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { UsageError } from '@hypaware/core';
import { allowedHostHeaders, checkRequest } from '@hypaware/ui/internal/server/request-guard.js';
import { parseListen } from '@hypaware/ui/internal/listen-option.js';

const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;

describe('request guard', () => {
  const allowed = allowedHostHeaders('127.0.0.1', 18522);

  test('Host must name this server (DNS rebinding)', () => {
    assert.deepEqual([...allowed].sort(), ['127.0.0.1:18522', 'localhost:18522']);
    assert.equal(checkRequest(req('GET', { host: '127.0.0.1:18522' }), allowed), undefined);
    assert.equal(checkRequest(req('GET', { host: 'LOCALHOST:18522' }), allowed), undefined);
    for (const host of ['evil.example', 'evil.example:18522', '127.0.0.1:1', '127.0.0.1', ''])
      assert.equal(checkRequest(req('GET', { host }), allowed)?.status, 421, host);
    assert.equal(checkRequest(req('GET', {}), allowed)?.status, 421);
  });

  test('writes: same origin and JSON only', () => {
    const host = '127.0.0.1:18522';
    const json = { host, 'content-type': 'application/json' };
    assert.equal(checkRequest(req('POST', { ...json, origin: 'http://127.0.0.1:18522' }), allowed), undefined);
    assert.equal(
      checkRequest(
        req('POST', { ...json, origin: 'http://127.0.0.1:18522', 'sec-fetch-site': 'same-origin' }),
        allowed,
      ),
      undefined,
    );
    assert.equal(checkRequest(req('POST', { ...json, origin: 'http://evil.example' }), allowed)?.status, 403);
    assert.equal(checkRequest(req('POST', { ...json, origin: 'null' }), allowed)?.status, 403);
    assert.equal(checkRequest(req('POST', { ...json, 'sec-fetch-site': 'cross-site' }), allowed)?.status, 403);
    assert.equal(checkRequest(req('POST', { host, 'content-type': 'text/plain' }), allowed)?.status, 415);
    assert.equal(checkRequest(req('POST', { host }), allowed)?.status, 415);
  });

  test('IPv6 loopback', () => {
    const v6 = allowedHostHeaders('::1', 9000);
    assert.equal(checkRequest(req('GET', { host: '[::1]:9000' }), v6), undefined);
    assert.equal(checkRequest(req('GET', { host: 'localhost:9000' }), v6), undefined);
  });
});

describe('--listen', () => {
  test('loopback only', () => {
    assert.deepEqual(parseListen('127.0.0.1:18522'), { host: '127.0.0.1', port: 18522 });
    assert.deepEqual(parseListen('localhost:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080 });
    for (const bad of ['0.0.0.0:18522', '192.168.1.2:80', 'example.com:80', '127.0.0.1', '127.0.0.1:70000'])
      assert.throws(() => parseListen(bad), UsageError, bad);
  });
});
