/** Routing order and matching, request targets and header rewriting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UpstreamPreset, UpstreamRoute } from '@hypaware/ai-gateway';
import type { PresetEntry } from '@hypaware/ai-gateway/internal/gateway-state.js';
import { compileRoutingTable, matchUpstream, routeHeaders } from '@hypaware/ai-gateway/internal/proxy/routing.js';
import {
  clientResponseHeaders,
  contentLength,
  decodableAcceptEncoding,
  upstreamRequestHeaders,
} from '@hypaware/ai-gateway/internal/proxy/forward-headers.js';
import { splitRequestTarget } from '@hypaware/ai-gateway/internal/proxy/proxy-server.js';
import { probeSet, routeOverlaps } from '@hypaware/ai-gateway/internal/overlap-probe.js';

const presets = (...list: UpstreamPreset[]): PresetEntry[] => list.map((preset, seq) => ({ preset, seq }));
const route = (path: string, headers: Record<string, string[]> = {}): UpstreamRoute => ({
  method: 'POST',
  path,
  headers,
});

test('order: priority desc, then prefix length desc, then registration order (worked example)', () => {
  const table = compileRoutingTable(
    [
      { name: 'root', base_url: 'https://a.example', path_prefix: '/' },
      { name: 'foo-p1', base_url: 'https://a.example', path_prefix: '/v1/foo', priority: 1 },
      { name: 'foo-p5', base_url: 'https://a.example', path_prefix: '/v1/foo', priority: 5 },
      { name: 'v1-p5', base_url: 'https://a.example', path_prefix: '/v1', priority: 5 },
    ],
    [],
  );
  assert.deepEqual(
    table.upstreams.map((u) => u.name),
    ['foo-p5', 'v1-p5', 'foo-p1', 'root'],
  );
});

test('a match() upstream without prefix ranks below prefixed ones of equal priority; equal ones keep registration order', () => {
  const table = compileRoutingTable(
    [{ name: 'cfg', base_url: 'https://c.example', path_prefix: '/' }],
    presets(
      { name: 'by-match', base_url: 'https://m.example', match: () => true },
      { name: 'by-prefix', base_url: 'https://p.example', path_prefix: '/v1/messages' },
      { name: 'second-match', base_url: 'https://m2.example', match: () => true },
    ),
  );
  assert.deepEqual(
    table.upstreams.map((u) => u.name),
    ['by-prefix', 'cfg', 'by-match', 'second-match'],
  );
});

test('prefixes match whole path segments; "/" matches everything; the query string is not part of the path', () => {
  const table = compileRoutingTable(
    [
      { name: 'messages', base_url: 'https://a.example', path_prefix: '/v1/messages' },
      { name: 'other', base_url: 'https://b.example', path_prefix: '/' },
    ],
    [],
  );
  assert.equal(matchUpstream(table, route('/v1/messages'))?.name, 'messages');
  assert.equal(matchUpstream(table, route('/v1/messages/count_tokens'))?.name, 'messages');
  assert.equal(matchUpstream(table, route('/v1/messagesfoo'))?.name, 'other');
  const { pathname } = splitRequestTarget('/v1/messages?beta=true');
  assert.equal(matchUpstream(table, route(pathname))?.name, 'messages');
  const onlyPrefix = compileRoutingTable(
    [{ name: 'm', base_url: 'https://a.example', path_prefix: '/v1/messages' }],
    [],
  );
  assert.equal(matchUpstream(onlyPrefix, route('/v2/x')), undefined);
});

test('match(): only exactly true matches, a throw is a non-match, the walk stops at the first hit, the prefix is not a fallback', () => {
  const seen: string[] = [];
  const table = compileRoutingTable(
    [],
    presets(
      {
        name: 'throws',
        base_url: 'https://a.example',
        priority: 9,
        match: () => {
          seen.push('throws');
          throw new Error('boom');
        },
      },
      {
        name: 'truthy',
        base_url: 'https://a.example',
        priority: 8,
        path_prefix: '/v1',
        match: () => {
          seen.push('truthy');
          return 1 as unknown as boolean;
        },
      },
      {
        name: 'yes',
        base_url: 'https://b.example',
        priority: 7,
        match: (r) => {
          seen.push('yes');
          return r.headers['x-kind']?.[0] === 'b';
        },
      },
      {
        name: 'never-called',
        base_url: 'https://c.example',
        priority: 6,
        match: () => {
          seen.push('never-called');
          return true;
        },
      },
    ),
  );
  assert.equal(matchUpstream(table, route('/v1/x', { 'x-kind': ['b'] }))?.name, 'yes');
  assert.deepEqual(seen, ['throws', 'truthy', 'yes']);
});

test('match() sees lowercased header names with every value in an array', () => {
  const headers = routeHeaders(['X-Api-Key', 'k1', 'Anthropic-Beta', 'a', 'anthropic-beta', 'b', 'Host', 'h']);
  assert.deepEqual(headers, { 'x-api-key': ['k1'], 'anthropic-beta': ['a', 'b'], host: ['h'] });
});

test('a config upstream replaces the preset of the same name, and the shadowing is reported', () => {
  const table = compileRoutingTable(
    [{ name: 'anthropic', base_url: 'http://127.0.0.1:9', path_prefix: '/v1/messages' }],
    presets(
      { name: 'anthropic', base_url: 'https://api.anthropic.com', path_prefix: '/v1/messages', priority: 100 },
      { name: 'openai', base_url: 'https://api.openai.com', path_prefix: '/v1' },
    ),
  );
  assert.deepEqual(table.upstreams.map((u) => `${u.name}@${u.origin}`).sort(), [
    'anthropic@http://127.0.0.1:9',
    'openai@https://api.openai.com',
  ]);
  assert.deepEqual(table.shadowedPresets, ['anthropic']);
});

test('base_url path prefix and IPv6 hosts are kept for forwarding', () => {
  const table = compileRoutingTable([{ name: 'v6', base_url: 'http://[::1]:8080/api/', path_prefix: '/' }], []);
  const u = table.upstreams[0]!;
  assert.equal(u.origin, 'http://[::1]:8080');
  assert.equal(u.host, '[::1]:8080');
  assert.equal(u.basePath + '/v1/messages?x=1', '/api/v1/messages?x=1');
});

test('route overlaps: only pairs that registration order alone decides are reported', () => {
  const registered = presets(
    {
      name: 'a',
      base_url: 'https://a.example',
      path_prefix: '/v1/messages',
      priority: 100,
      probes: [{ path: '/v1/messages', headers: { 'anthropic-version': ['2023-06-01'] } }],
    },
    { name: 'b', base_url: 'https://b.example', priority: 100, match: (r) => Boolean(r.headers['anthropic-version']) },
    {
      name: 'c',
      base_url: 'https://c.example',
      priority: 100,
      match: (r) => r.path === '/v1/responses',
      probes: [{ path: '/v1/responses' }],
    },
    { name: 'd', base_url: 'https://d.example', priority: 100, match: (r) => r.path === '/v1/responses' },
  );
  const table = compileRoutingTable(
    [{ name: 'catch-all', base_url: 'https://c.example', path_prefix: '/' }],
    registered,
  );
  const pairs = routeOverlaps(table, probeSet(registered.map((e) => e.preset)))
    .map((o) => `${o.winner}>${o.other}`)
    .sort();
  // a (prefix) vs b (match) differ in prefix rank: specificity decides, not registration order
  assert.deepEqual(pairs, ['b>c', 'b>d', 'c>d']);
});

test('request headers: hop-by-hop and Connection-listed headers dropped, host rewritten, order and case kept', () => {
  const out = upstreamRequestHeaders(
    [
      'Host',
      'localhost:18521',
      'X-Api-Key',
      'k',
      'Connection',
      'keep-alive, X-Private',
      'X-Private',
      'p',
      'Keep-Alive',
      '5',
      'Transfer-Encoding',
      'chunked',
      'Proxy-Authorization',
      'Basic x',
      'Expect',
      '100-continue',
      'anthropic-VERSION',
      '2023-06-01',
      'TE',
      'trailers',
    ],
    'api.example.com',
  );
  assert.deepEqual(out, ['host', 'api.example.com', 'X-Api-Key', 'k', 'anthropic-VERSION', '2023-06-01']);
  assert.deepEqual(
    clientResponseHeaders([
      'Content-Type',
      'text/event-stream',
      'Transfer-Encoding',
      'chunked',
      'Connection',
      'close',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
    ]),
    ['Content-Type', 'text/event-stream', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'],
  );
});

test('accept-encoding loses only codings the capture side cannot decode', () => {
  assert.equal(decodableAcceptEncoding('gzip, deflate, br'), 'gzip, deflate, br');
  assert.equal(decodableAcceptEncoding('gzip;q=1.0, snappy;q=0.5, br'), 'gzip;q=1.0, br');
  assert.equal(decodableAcceptEncoding('snappy'), undefined);
  const zstd = decodableAcceptEncoding('gzip, zstd');
  assert.ok(zstd === 'gzip' || zstd === 'gzip, zstd');
});

test('absolute-form request targets are reduced to path and query', () => {
  assert.deepEqual(splitRequestTarget('http://api.anthropic.com/v1/messages?beta=true'), {
    target: '/v1/messages?beta=true',
    pathname: '/v1/messages',
  });
  assert.deepEqual(splitRequestTarget('/v1/responses'), { target: '/v1/responses', pathname: '/v1/responses' });
});

test('a config upstream shadowing a preset keeps the preset routing unless it sets its own', () => {
  const anthropicPreset: UpstreamPreset = {
    name: 'anthropic',
    base_url: 'https://api.anthropic.com',
    provider: 'anthropic',
    path_prefix: '/v1/messages',
    priority: 100,
    match: (r) => r.path === '/v1/messages' || (r.headers['anthropic-version'] ?? []).length > 0,
  };
  const openaiPreset: UpstreamPreset = {
    name: 'openai',
    base_url: 'https://api.openai.com',
    provider: 'openai',
    path_prefix: '/v1',
  };
  const inherited = compileRoutingTable(
    [{ name: 'anthropic', base_url: 'http://127.0.0.1:9000' }],
    presets(anthropicPreset, openaiPreset),
  );
  const local = inherited.upstreams.find((u) => u.name === 'anthropic')!;
  assert.equal(local.origin, 'http://127.0.0.1:9000');
  assert.equal(local.priority, 100);
  assert.equal(local.provider, 'anthropic');
  assert.deepEqual(inherited.shadowedPresets, ['anthropic']);
  assert.equal(matchUpstream(inherited, route('/v1/messages'))?.name, 'anthropic');
  assert.equal(
    matchUpstream(inherited, route('/v1/responses'))?.name,
    'openai',
    'OpenAI traffic must not go to the shadowing Anthropic upstream',
  );
  assert.equal(
    matchUpstream(inherited, route('/v1/models', { 'anthropic-version': ['2023-06-01'] }))?.name,
    'anthropic',
  );

  const own = compileRoutingTable(
    [{ name: 'anthropic', base_url: 'http://127.0.0.1:9000', path_prefix: '/' }],
    presets(anthropicPreset, openaiPreset),
  );
  assert.equal(
    own.upstreams.find((u) => u.name === 'anthropic')!.match,
    undefined,
    'an explicit path_prefix replaces the preset match()',
  );
  assert.equal(
    matchUpstream(own, route('/v1/responses'))?.name,
    'anthropic',
    'priority 100 is still inherited, and "/" now takes everything',
  );

  const plain = compileRoutingTable([{ name: 'local', base_url: 'http://127.0.0.1:9000' }], []);
  assert.equal(matchUpstream(plain, route('/anything'))?.name, 'local', 'without a preset the prefix defaults to "/"');
});

test('contentLength: one valid content-length and no transfer coding, else none', () => {
  assert.equal(contentLength(['Content-Type', 'x', 'Content-Length', '42']), 42);
  assert.equal(contentLength(['content-length', ' 7 ']), 7);
  assert.equal(contentLength(['content-type', 'x']), undefined);
  assert.equal(contentLength(['content-length', '42', 'Transfer-Encoding', 'chunked']), undefined);
  assert.equal(contentLength(['content-length', '42', 'content-length', '42']), undefined);
  assert.equal(contentLength(['content-length', '-1']), undefined);
  assert.equal(contentLength(['content-length', '4x']), undefined);
});
