/**
 * The `ai-gateway` source in a daemon-mode kernel in this process (its writer thread boots a
 * real writer kernel): listener selection and fallback, status details, the listener file,
 * diagnostics, and a writer thread that dies mid-batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { SourceHandle } from '@hypaware/core';
import { bootKernel, type Kernel } from '@hypaware/core/boot';
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import { readListenerFile } from '@hypaware/ai-gateway/internal/listener-file.js';
import { REPO_ROOT, tempDir } from '../../harness/repo.js';
import { readLogLines } from '../../harness/daemon.js';
import { waitFor } from '../../harness/wait.js';
import { startEchoUpstream } from '../../harness/echo-upstream.js';

const CRASH_FIXTURE = join(REPO_ROOT, 'test', 'gateway', 'fixtures', 'crash-once-projector');

interface Booted {
  kernel: Kernel;
  hypHome: string;
  stateDir: string;
  start(): Promise<SourceHandle>;
}

async function bootDaemonKernel(
  gateway: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<Booted> {
  const hypHome = tempDir('hyp-gw-source-');
  writeFileSync(
    join(hypHome, 'hypaware-config.json'),
    JSON.stringify({
      ...extra,
      plugins: {
        '@hypaware/claude': { enabled: false },
        '@hypaware/codex': { enabled: false },
        '@hypaware/ai-gateway': gateway,
      },
    }),
  );
  const kernel = await bootKernel({ mode: 'daemon', hypHome, env: { ...process.env, HYP_HOME: hypHome } });
  const source = kernel.sources.find((s) => s.name === 'ai-gateway');
  assert.ok(source, 'the gateway registers its source in daemon mode');
  return {
    kernel,
    hypHome,
    stateDir: join(hypHome, 'hypaware', 'plugins', '@hypaware', 'ai-gateway'),
    start: () => source.start(),
  };
}

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined)); // already taken by someone else: busy either way
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function post(endpoint: string, path: string, headers: Record<string, string>, body: string): Promise<number> {
  const url = new URL(path, endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: 'POST', path, headers, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('a busy default port falls back to an ephemeral one and says so; status, listener file and diagnostics tell', async () => {
  const blocker = await listenOn(18521);
  const booted = await bootDaemonKernel({});
  let handle: SourceHandle | undefined;
  try {
    handle = await booted.start();
    const details = handle.status!().details!;
    assert.notEqual(details.port, 18521);
    assert.equal(details.port_fallback_from, 18521);
    assert.equal(details.endpoint, `http://127.0.0.1:${String(details.port)}`);
    assert.equal(details.host, '127.0.0.1');
    assert.ok(Array.isArray(details.upstreams) && Array.isArray(details.projectors));
    const file = readListenerFile(booted.stateDir);
    assert.deepEqual(
      { port: file?.port, pid: file?.pid, fallback: file?.port_fallback?.requested },
      { port: details.port, pid: process.pid, fallback: 18521 },
    );
    assert.equal(statSync(join(booted.stateDir, 'listener.json')).mode & 0o777, 0o600);
    const api = booted.kernel.capabilities.get('hypaware.ai-gateway')!.value as AiGatewayApi;
    assert.equal(await api.localEndpoint(), details.endpoint);
    const diagnostics = (await Promise.all(booted.kernel.diagnostics.map((d) => d.provider())))
      .flat()
      .map((d) => d.kind);
    assert.ok(diagnostics.includes('gateway_port_fallback'), diagnostics.join(','));
    assert.ok(diagnostics.includes('gateway_no_projectors'));
    assert.ok(diagnostics.includes('gateway_no_upstreams'));
    booted.kernel.logSink.flush();
    const events = readLogLines(booted.hypHome).map((l) => l.event);
    for (const e of ['aigw.port_fallback', 'aigw.no_projectors', 'aigw.no_upstreams', 'aigw.listening'])
      assert.ok(events.includes(e), `${e} logged`);
  } finally {
    await handle?.stop();
    await booted.kernel.shutdown();
    blocker?.close();
  }
  assert.equal(existsSync(join(booted.stateDir, 'listener.json')), false, 'stop removes the listener file');
});

test('an explicitly configured busy port is refused with one clear sentence, never replaced', async () => {
  const blocker = await listenOn(0);
  const port = (blocker!.address() as { port: number }).port;
  const booted = await bootDaemonKernel({ listen: `127.0.0.1:${port}` });
  try {
    await assert.rejects(
      booted.start(),
      (err: Error) =>
        err.message ===
        `ai-gateway: cannot listen on 127.0.0.1:${port}: the port is already in use; stop the other process or set plugins["@hypaware/ai-gateway"].listen to another host:port`,
    );
    assert.equal(existsSync(join(booted.stateDir, 'listener.json')), false);
  } finally {
    await booted.kernel.shutdown();
    blocker!.close();
  }
});

test('reload: new upstreams apply at once, a new listen address is bound first, an invalid slice changes nothing', async () => {
  const first = await startEchoUpstream();
  const second = await startEchoUpstream();
  const booted = await bootDaemonKernel({
    listen: '127.0.0.1:0',
    upstreams: [{ name: 'first', base_url: first.url, path_prefix: '/' }],
  });
  let handle: SourceHandle | undefined;
  try {
    handle = await booted.start();
    const before = String(handle.status!().details!.endpoint);
    assert.equal(await post(before, '/v1/a', {}, 'a'), 200);
    assert.equal(first.requests.length, 1);

    await assert.rejects(handle.reload!({ listen: 'nowhere' }), /ai-gateway config: listen:/);
    assert.equal(String(handle.status!().details!.endpoint), before);

    const free = await listenOn(0);
    const port = (free!.address() as { port: number }).port;
    await new Promise<void>((r) => free!.close(() => r()));
    await handle.reload!({
      listen: `127.0.0.1:${port}`,
      upstreams: [{ name: 'second', base_url: second.url, path_prefix: '/' }],
    });
    const after = String(handle.status!().details!.endpoint);
    assert.equal(after, `http://127.0.0.1:${port}`);
    assert.deepEqual(handle.status!().details!.upstreams, ['second']);
    assert.equal(readListenerFile(booted.stateDir)?.port, Number(new URL(after).port));
    assert.equal(await post(after, '/v1/b', {}, 'b'), 200);
    assert.equal(second.requests.length, 1);
    await waitFor(
      async () =>
        (await post(before, '/v1/c', {}, 'c').then(
          () => false,
          () => true,
        )) || undefined,
      'the old listener to close',
      5000,
    );
  } finally {
    await handle?.stop();
    await booted.kernel.shutdown();
    await first.close();
    await second.close();
  }
});

test('an exchange that crashes the writer every time is dropped alone: the rest of its batch is written', async () => {
  const echo = await startEchoUpstream();
  const booted = await bootDaemonKernel(
    { listen: '127.0.0.1:0', upstreams: [{ name: 'echo', base_url: echo.url, path_prefix: '/' }] },
    { plugin_dirs: [CRASH_FIXTURE] },
  );
  let handle: SourceHandle | undefined;
  try {
    handle = await booted.start();
    const endpoint = String(handle.status!().details!.endpoint);
    // the crash fixture's projector matches on x-crash-writer; its marker exists, so the good
    // exchanges project to one row each; the poisoned one (x-crash-always) ends the thread
    const marker = join(booted.hypHome, 'already-crashed.marker');
    writeFileSync(marker, 'no first crash\n');
    const good = Array.from({ length: 8 }, (_, i) =>
      post(endpoint, '/v1/crash', { 'x-crash-writer': marker }, `ok ${i}`),
    );
    const poisoned = post(endpoint, '/v1/crash', { 'x-crash-writer': marker, 'x-crash-always': '1' }, 'poison');
    assert.deepEqual(await Promise.all([...good, poisoned]), Array(9).fill(200), 'the agent never sees the writer');
    const db = booted.kernel.database();
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    await waitFor(
      () => (count('SELECT count(*) AS n FROM ai_gateway_exchanges') === 8 ? true : undefined),
      'the eight good exchanges to be written',
      60_000,
    );
    await waitFor(
      () => {
        booted.kernel.logSink.flush();
        return readLogLines(booted.hypHome).some((l) => l.event === 'aigw.exchange_write_failed') ? true : undefined;
      },
      'the poisoned exchange to be given up',
      60_000,
    );
    assert.equal(count("SELECT count(*) AS n FROM ai_gateway_messages WHERE conversation_id = 'crash-once'"), 8);
    assert.equal(count("SELECT count(*) AS n FROM ai_gateway_messages WHERE content_text = 'poison'"), 0);
    const events = readLogLines(booted.hypHome).map((l) => l.event);
    assert.ok(events.filter((e) => e === 'aigw.writer_exited').length >= 3, 'it crashed the writer three times');
  } finally {
    await handle?.stop();
    await booted.kernel.shutdown();
    await echo.close();
  }
});

test('a writer thread that dies mid-batch is restarted and the exchange is written once', async () => {
  const echo = await startEchoUpstream();
  const booted = await bootDaemonKernel(
    { listen: '127.0.0.1:0', upstreams: [{ name: 'echo', base_url: echo.url, path_prefix: '/' }] },
    { plugin_dirs: [CRASH_FIXTURE] },
  );
  const marker = join(booted.hypHome, 'crashed.marker');
  let handle: SourceHandle | undefined;
  try {
    handle = await booted.start();
    const endpoint = String(handle.status!().details!.endpoint);
    assert.equal(await post(endpoint, '/v1/crash', { 'x-crash-writer': marker }, 'survive me'), 200);
    const db = booted.kernel.database();
    const rows = await waitFor(
      () => {
        const n = (
          db.prepare("SELECT count(*) AS n FROM ai_gateway_messages WHERE conversation_id = 'crash-once'").get() as {
            n: number;
          }
        ).n;
        return n > 0 ? n : undefined;
      },
      'the retried exchange to be written',
      15_000,
    );
    assert.equal(rows, 1);
    assert.ok(existsSync(marker), 'the writer did crash once');
    assert.equal((db.prepare('SELECT count(*) AS n FROM ai_gateway_exchanges').get() as { n: number }).n, 1);
    booted.kernel.logSink.flush();
    const events = readLogLines(booted.hypHome).map((l) => l.event);
    assert.ok(events.includes('aigw.writer_exited'));
    assert.equal(events.filter((e) => e === 'aigw.writer_ready').length, 2, 'started, then restarted');
  } finally {
    await handle?.stop();
    await booted.kernel.shutdown();
    await echo.close();
  }
});
