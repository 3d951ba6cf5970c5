/**
 * What a preset says about its protocol: probes for the overlap check, the error shape the
 * gateway answers in, extra secret header names; how they are checked at registration and
 * used (error shape choice, the writer's redaction list).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivationContext } from '@hypaware/core';
import type { ErrorShape, UpstreamPreset } from '@hypaware/ai-gateway';
import { parseGatewayConfig } from '@hypaware/ai-gateway/internal/config.js';
import { createGatewayApi } from '@hypaware/ai-gateway/internal/gateway-api.js';
import { createGatewayState } from '@hypaware/ai-gateway/internal/gateway-state.js';
import { probeSet } from '@hypaware/ai-gateway/internal/overlap-probe.js';
import { secretHeaderExtras } from '@hypaware/ai-gateway/internal/preset-extras.js';
import { gatewayErrorBody, plainErrorBody } from '@hypaware/ai-gateway/internal/proxy/error-response.js';
import { compileRoutingTable } from '@hypaware/ai-gateway/internal/proxy/routing.js';
import { redactForStorage, secretHeaderNames } from '@hypaware/ai-gateway/internal/recorder/header-redaction.js';
import { tempDir } from '../../harness/repo.js';
import { recordingLogger } from './gateway-fixtures.js';

function fresh() {
  const ctx = {
    log: recordingLogger().log,
    paths: { stateDir: tempDir('hyp-gw-preset-') },
  } as unknown as ActivationContext;
  const state = createGatewayState(ctx);
  return { state, api: createGatewayApi(state, { runningEndpoint: async () => 'http://127.0.0.1:1' }) };
}

const preset = (over: Partial<UpstreamPreset>): UpstreamPreset => ({
  name: 'p',
  base_url: 'https://api.example.com',
  path_prefix: '/v1',
  ...over,
});
const route = (path: string, headers: Record<string, string[]> = {}) => ({ method: 'POST', path, headers });
const error = { status: 502, code: 'no_upstream_match', message: 'nothing takes it' };

test('probes, error_shape and secret_headers are checked at registration with the plugin-facing TypeError', () => {
  const { api } = fresh();
  const cases: Array<[Partial<UpstreamPreset>, string]> = [
    [{ probes: {} as never }, "registerUpstreamPreset 'p': probes must be an array of {path, headers?}"],
    [{ probes: ['/v1/x'] as never }, "registerUpstreamPreset 'p': probes[0] must be an object {path, headers?}"],
    [{ probes: [{ path: 'v1/x' }] }, 'registerUpstreamPreset \'p\': probes[0].path must be a path starting with "/"'],
    [
      { probes: [{ path: '/v1/x', headers: { 'X-Key': ['k'] } }] },
      "registerUpstreamPreset 'p': probes[0].headers must map lowercase header names to arrays of strings",
    ],
    [
      { probes: [{ path: '/v1/x', headers: { 'x-key': 'k' as never } }] },
      "registerUpstreamPreset 'p': probes[0].headers must map lowercase header names to arrays of strings",
    ],
    [
      { error_shape: 'json' as never },
      "registerUpstreamPreset 'p': error_shape must be an object {body(), recognizes()?}",
    ],
    [{ error_shape: {} as never }, "registerUpstreamPreset 'p': error_shape.body must be a function"],
    [
      { error_shape: { body: () => ({}), recognizes: true } as never },
      "registerUpstreamPreset 'p': error_shape.recognizes must be a function",
    ],
    [
      { secret_headers: 'x-key' as never },
      "registerUpstreamPreset 'p': secret_headers must be an array of header names",
    ],
    [
      { secret_headers: ['x key'] },
      'registerUpstreamPreset \'p\': secret_headers[0] must be a header name (e.g. "x-my-token")',
    ],
  ];
  for (const [over, message] of cases) {
    assert.throws(
      () => api.registerUpstreamPreset(preset(over)),
      (err: unknown) => err instanceof TypeError && err.message === message,
      message,
    );
  }
  assert.doesNotThrow(() =>
    api.registerUpstreamPreset(
      preset({
        probes: [{ path: '/v1/x', headers: { 'x-key': ['k…'] } }, { path: '/v1/y' }],
        error_shape: { body: ({ message }) => ({ message }) },
        secret_headers: ['X-Corp-Token'],
      }),
    ),
  );
});

test('probe set: every probe path with every probe header set and with none', () => {
  const probes = probeSet([
    { probes: [{ path: '/a', headers: { 'x-one': ['1'] } }] },
    { probes: [{ path: '/b' }, { path: '/a', headers: { 'x-one': ['1'] } }] },
    {},
  ]);
  assert.deepEqual(probes.map((p) => `${p.path} ${Object.keys(p.headers).join(',')}`).sort(), [
    '/a ',
    '/a x-one',
    '/b ',
    '/b x-one',
  ]);
});

test("error shapes: the first preset (routing order) that recognizes the request, else the routed upstream's, else the plain shape", () => {
  const shape = (tag: string, recognizes?: (path: string) => boolean): ErrorShape => ({
    ...(recognizes ? { recognizes: (r: { path: string }) => recognizes(r.path) } : {}),
    body: (e) => ({ tag, code: e.code }),
  });
  const table = compileRoutingTable(
    [],
    [
      { preset: preset({ name: 'low', path_prefix: '/low', error_shape: shape('low', () => true) }), seq: 0 },
      {
        preset: preset({
          name: 'high',
          path_prefix: '/high',
          priority: 10,
          error_shape: shape('high', (p) => p.startsWith('/high')),
        }),
        seq: 1,
      },
      { preset: preset({ name: 'quiet', path_prefix: '/quiet', error_shape: shape('quiet') }), seq: 2 },
    ],
  );
  assert.deepEqual(
    table.upstreams.map((u) => u.name),
    ['high', 'quiet', 'low'],
  );
  const body = (path: string, routed?: ErrorShape) =>
    JSON.parse(gatewayErrorBody(table.errorShapes, routed, route(path), error)) as Record<string, unknown>;
  assert.deepEqual(body('/high/x'), { tag: 'high', code: 'no_upstream_match' });
  assert.deepEqual(body('/elsewhere'), { tag: 'low', code: 'no_upstream_match' });
  const quiet = table.upstreams.find((u) => u.name === 'quiet')!.errorShape;
  assert.deepEqual(
    JSON.parse(gatewayErrorBody([], quiet, route('/quiet/x'), error)),
    { tag: 'quiet', code: 'no_upstream_match' },
    'a shape without recognizes() answers for its own upstream',
  );
  assert.deepEqual(JSON.parse(gatewayErrorBody([], undefined, route('/x'), error)), plainErrorBody(error));
  const throwing: ErrorShape = {
    recognizes: () => {
      throw new Error('bad');
    },
    body: () => ({}),
  };
  const broken: ErrorShape = {
    recognizes: () => true,
    body: () => {
      throw new Error('bad');
    },
  };
  assert.deepEqual(
    JSON.parse(gatewayErrorBody([throwing, broken], undefined, route('/x'), error)),
    plainErrorBody(error),
    'a shape that throws counts as none',
  );
});

test('a config upstream that shadows a preset keeps its error shape', () => {
  const shape: ErrorShape = { body: () => ({ from: 'preset' }) };
  const table = compileRoutingTable(
    [{ name: 'p', base_url: 'http://127.0.0.1:9' }],
    [{ preset: preset({ error_shape: shape }), seq: 0 }],
  );
  assert.equal(table.upstreams[0]!.source, 'config');
  assert.equal(table.upstreams[0]!.errorShape, shape);
});

test("secret headers: the built-in list, plus the config's and every preset's names; nothing shortens the built-in list", () => {
  const { api, state } = fresh();
  api.registerUpstreamPreset(preset({ name: 'a', secret_headers: ['X-Corp-Token'] }));
  api.registerUpstreamPreset(
    preset({ name: 'b', path_prefix: '/b', secret_headers: ['x-corp-token', 'x-session-key'] }),
  );
  const extras = secretHeaderExtras(state, parseGatewayConfig({ redact_headers: ['X-Mine'] }));
  assert.deepEqual(extras.sort(), ['x-corp-token', 'x-mine', 'x-session-key']);
  const stored = redactForStorage(
    {
      'x-corp-token': 't',
      'x-api-key': 'k',
      authorization: 'Bearer b',
      'chatgpt-account-id': 'acc',
      cookie: 'c',
      'x-other': 'o',
    },
    secretHeaderNames(extras),
  );
  assert.deepEqual(stored, {
    'x-corp-token': '[redacted]',
    'x-api-key': '[redacted]',
    authorization: '[redacted]',
    'chatgpt-account-id': '[redacted]',
    cookie: '[redacted]',
    'x-other': 'o',
  });
  const withoutAdapters = redactForStorage(
    { 'x-api-key': 'k', 'anthropic-api-key': 'k', 'set-cookie': 's', 'proxy-authorization': 'p' },
    secretHeaderNames([]),
  );
  assert.ok(
    Object.values(withoutAdapters).every((v) => v === '[redacted]'),
    'no preset registered: the built-in list still applies',
  );
});
