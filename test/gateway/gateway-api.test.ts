/** The capability's registration API, validateConfig, and localEndpoint outside the daemon. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ActivationContext, JsonObject } from '@hypaware/core';
import type { AiGatewayApi, ClientRegistration, ExchangeProjector, UpstreamPreset } from '@hypaware/ai-gateway';
import { validateConfig } from '@hypaware/ai-gateway';
import { createGatewayApi } from '@hypaware/ai-gateway/internal/gateway-api.js';
import { createGatewayState } from '@hypaware/ai-gateway/internal/gateway-state.js';
import {
  NO_GATEWAY_MESSAGE,
  runningGatewayEndpoint,
  writeListenerFile,
} from '@hypaware/ai-gateway/internal/listener-file.js';
import { tempDir } from '../../harness/repo.js';
import { recordingLogger } from './gateway-fixtures.js';

function freshApi(stateDir = tempDir('hyp-gw-api-')): { api: AiGatewayApi; logs: ReturnType<typeof recordingLogger> } {
  const logs = recordingLogger();
  const ctx = { log: logs.log, paths: { stateDir } } as unknown as ActivationContext;
  const state = createGatewayState(ctx);
  return {
    api: createGatewayApi(state, { runningEndpoint: (prefix) => runningGatewayEndpoint(stateDir, prefix) }),
    logs,
  };
}

const preset = (over: Partial<UpstreamPreset>): UpstreamPreset => ({
  name: 'p',
  base_url: 'https://api.example.com',
  path_prefix: '/v1',
  ...over,
});
const projector = (over: Partial<ExchangeProjector>): ExchangeProjector => ({
  name: 'x',
  match: () => true,
  project: () => undefined,
  ...over,
});
const client = (over: Partial<ClientRegistration>): ClientRegistration => ({
  name: 'c',
  defaultUpstream: 'p',
  attach: async () => undefined,
  detach: async () => undefined,
  ...over,
});

test('registerUpstreamPreset refuses bad presets with the plugin-facing TypeError', () => {
  const { api } = freshApi();
  const cases: Array<[unknown, string]> = [
    [undefined, 'registerUpstreamPreset: name is required'],
    [preset({ name: '' }), 'registerUpstreamPreset: name is required'],
    [preset({ base_url: '' }), "registerUpstreamPreset 'p': base_url is required"],
    [preset({ path_prefix: undefined }), "registerUpstreamPreset 'p': either match() or path_prefix is required"],
    [preset({ path_prefix: '' }), "registerUpstreamPreset 'p': either match() or path_prefix is required"],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => api.registerUpstreamPreset(input as UpstreamPreset),
      (err: unknown) => err instanceof TypeError && err.message === message,
      message,
    );
  }
  assert.throws(
    () => api.registerUpstreamPreset(preset({ base_url: 'ftp://x' })),
    /registerUpstreamPreset 'p': base_url must use http:\/\/ or https:\/\//,
  );
  assert.throws(() => api.registerUpstreamPreset(preset({ priority: Number.NaN })), /priority must be a finite number/);
  assert.doesNotThrow(() => api.registerUpstreamPreset(preset({ path_prefix: undefined, match: () => true })));
});

test('a preset name can be registered once: the second registration is refused naming the first', () => {
  const { api } = freshApi();
  api.registerUpstreamPreset(preset({ name: 'anthropic', base_url: 'https://api.anthropic.com' }));
  assert.throws(
    () => api.registerUpstreamPreset(preset({ name: 'anthropic', base_url: 'https://other.example.com' })),
    (err: unknown) =>
      err instanceof TypeError && /'anthropic'.*already registered.*https:\/\/api\.anthropic\.com/.test(err.message),
  );
});

test('registerExchangeProjector and registerClient validate their input', () => {
  const { api, logs } = freshApi();
  assert.throws(() => api.registerExchangeProjector(projector({ name: '' })), {
    name: 'TypeError',
    message: 'registerExchangeProjector: name is required',
  });
  assert.throws(() => api.registerExchangeProjector(projector({ match: undefined as never })), {
    name: 'TypeError',
    message: "registerExchangeProjector 'x': match() is required",
  });
  assert.throws(() => api.registerExchangeProjector(projector({ project: 1 as never })), {
    name: 'TypeError',
    message: "registerExchangeProjector 'x': project() is required",
  });
  api.registerExchangeProjector(projector({}));
  api.registerExchangeProjector(projector({})); // duplicate names are allowed

  assert.throws(() => api.registerClient(client({ name: '' })), {
    name: 'TypeError',
    message: 'registerClient: name is required',
  });
  assert.throws(() => api.registerClient(client({ defaultUpstream: '' })), {
    name: 'TypeError',
    message: "registerClient 'c': defaultUpstream is required",
  });
  assert.throws(() => api.registerClient(client({ detach: undefined as never })), {
    name: 'TypeError',
    message: "registerClient 'c': attach()/detach() are required",
  });
  const first = client({});
  const second = client({ defaultUpstream: 'q' });
  api.registerClient(first);
  api.registerClient(client({ name: 'd' }));
  api.registerClient(second);
  assert.equal(api.getClient('c'), second);
  assert.equal(api.getClient('nope'), undefined);
  assert.deepEqual(
    api.listClients().map((c) => c.name),
    ['c', 'd'],
  );
  assert.equal(logs.events('aigw.client_replaced').length, 1);
});

test('localEndpoint outside the daemon: a clear error without a gateway, the listener when one answers', async () => {
  const stateDir = tempDir('hyp-gw-endpoint-');
  const { api } = freshApi(stateDir);
  await assert.rejects(api.localEndpoint(), { message: NO_GATEWAY_MESSAGE });

  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    writeListenerFile(stateDir, { host: '127.0.0.1', port, pid: process.pid, started_at: new Date().toISOString() });
    assert.equal(await api.localEndpoint(), `http://127.0.0.1:${port}`);
    assert.equal(await api.localEndpoint({ pathPrefix: 'v1' }), `http://127.0.0.1:${port}/v1`);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  // the file is stale once nothing listens any more
  await assert.rejects(api.localEndpoint(), { message: NO_GATEWAY_MESSAGE });
});

test('validateConfig reports every problem with its dotted path, malformed upstreams included', () => {
  const slice = {
    listen: '127.0.0.1:080',
    gateway_id: '',
    upstreams: [
      { name: 'ok', base_url: 'https://api.example.com', path_prefix: '/v1', priority: 5, provider: 'x' },
      { name: 'ok', url: 'https://typo.example.com' },
      'not an object',
      { name: 'bad', base_url: 'notaurl', path_prefix: 'v1', priority: 'high' },
    ],
    redact_headers: ['x-token', 'bad header'],
    capture_max_bytes: -1,
    exchange_retention_days: 1.5,
    idle_timeout_ms: 10,
    colour: 'blue',
  } as unknown as JsonObject;
  const paths = validateConfig(slice)
    .map((i) => i.path)
    .sort();
  assert.deepEqual(
    paths,
    [
      'capture_max_bytes',
      'colour',
      'exchange_retention_days',
      'gateway_id',
      'idle_timeout_ms',
      'listen',
      'redact_headers[1]',
      'upstreams[1].base_url',
      'upstreams[1].name',
      'upstreams[1].url',
      'upstreams[2]',
      'upstreams[3].base_url',
      'upstreams[3].path_prefix',
      'upstreams[3].priority',
    ].sort(),
  );
  assert.match(
    validateConfig({ upstreams: [{ name: 'a', url: 'https://x' }] } as unknown as JsonObject).find(
      (i) => i.path === 'upstreams[0].url',
    )!.message,
    /did you mean base_url/,
  );
  assert.deepEqual(validateConfig({}), []);
  assert.deepEqual(
    validateConfig({
      listen: '[::1]:0',
      upstreams: [{ name: 'a', base_url: 'http://[::1]:8080/prefix' }],
    } as unknown as JsonObject),
    [],
  );
});
