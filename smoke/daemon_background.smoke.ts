// daemon_background: the daemon as a person runs it in the background. `hyp daemon start`
// returns once the gateway listens; `status` exits 0; a Claude request through the gateway to
// a fake Anthropic upstream is recorded in the database; starting again says it is already
// running; `stop` exits 0 with the process gone and the port closed; `status` exits 3;
// stopping again is one line. Then the stale pid file cases: a dead pid and another program's
// pid are reported and replaced, and the other program is never signalled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp } from '../harness/daemon.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';
import { startFakeAnthropic } from '../harness/fake-anthropic.js';
import { acceptsConnections, isRunning, killIfRunning, pidFileOf, readPid } from '../test/daemon/daemon-fixtures.js';

function post(
  endpoint: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; text: string }> {
  const url = new URL(path, endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: url.pathname + url.search,
        headers: { 'content-type': 'application/json', ...headers },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('daemon_background: start, capture, status, stop', async (t) => {
  const fake = await startFakeAnthropic();
  t.after(() => fake.close());
  const hypHome = tempDir('hyp-smoke-bg-');
  writeFileSync(
    join(hypHome, 'hypaware-config.json'),
    JSON.stringify({
      plugins: {
        '@hypaware/ai-gateway': {
          listen: '127.0.0.1:0',
          upstreams: [{ name: 'anthropic', base_url: fake.url, path_prefix: '/v1/messages', provider: 'anthropic' }],
        },
      },
    }),
  );
  const home = tempDir('hyp-smoke-bg-home-');
  const hyp = (...args: string[]) => runHyp(args, { hypHome, env: { HOME: home, CLAUDE_CONFIG_DIR: undefined } });
  t.after(() => killIfRunning(readPid(hypHome)));

  const started = await hyp('daemon', 'start');
  assert.equal(started.code, 0, started.stderr);
  const pid = Number(/started \(pid (\d+)\) in ([\d.]+) s/.exec(started.stdout)?.[1]);
  const endpoint = /listening: (\S+)/.exec(started.stdout)?.[1];
  assert.ok(endpoint, started.stdout);
  t.diagnostic(`start: ${/in ([\d.]+ s)/.exec(started.stdout)?.[1]} until listening`);
  assert.ok(await acceptsConnections(endpoint), 'listening when start returns');

  const status = await hyp('daemon', 'status', '--json');
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(
    (({ running, pid: p, endpoint: e }) => ({ running, pid: p, endpoint: e }))(JSON.parse(status.stdout)),
    { running: true, pid, endpoint },
  );

  const session = randomUUID();
  const reply = await post(
    endpoint,
    '/v1/messages?beta=true',
    {
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-smoke-background',
      'x-claude-code-session-id': session,
    },
    {
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hello from the background smoke' }],
    },
  );
  assert.equal(reply.status, 200, reply.text);
  assert.match(reply.text, /Hello from the fake Anthropic upstream/);
  assert.equal(fake.requests.length, 1, 'the request reached the upstream');
  const rows = await waitFor(
    async () => {
      const q = await hyp(
        'query',
        'sql',
        `SELECT role, content_text FROM ai_gateway_messages WHERE session_id = '${session}' ORDER BY role DESC`,
        '--format',
        'json',
      );
      assert.equal(q.code, 0, q.stderr);
      const parsed = JSON.parse(q.stdout) as Array<{ role: string; content_text: string }>;
      return parsed.length >= 2 ? parsed : undefined;
    },
    'the exchange to be recorded',
    15_000,
    100,
  );
  assert.deepEqual(
    rows.map((r) => r.role),
    ['user', 'assistant'],
  );
  assert.match(rows[0]!.content_text, /hello from the background smoke/);

  const again = await hyp('daemon', 'start');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`^HypAware daemon is already running \\(pid ${pid}\\)`));

  const stopped = await hyp('daemon', 'stop', '--timeout', '5');
  assert.equal(stopped.code, 0, stopped.stderr);
  t.diagnostic(`stop: ${/in ([\d.]+ s)/.exec(stopped.stdout)?.[1]}`);
  assert.equal(isRunning(pid), false, 'process gone');
  assert.equal(await acceptsConnections(endpoint), false, 'port closed');

  const after = await hyp('daemon', 'status');
  assert.equal(after.code, 3);
  const twice = await hyp('daemon', 'stop');
  assert.deepEqual(
    [twice.code, twice.stdout, twice.stderr],
    [0, `no HypAware daemon is running (HYP_HOME ${hypHome})\n`, ''],
  );

  // what was recorded survives the stop
  const count = await hyp('query', 'sql', 'SELECT count(*) AS n FROM ai_gateway_exchanges', '--format', 'json');
  assert.deepEqual(JSON.parse(count.stdout), [{ n: 1 }]);
});

test('daemon_background: stale pid files are replaced, other programs never signalled', async (t) => {
  const hypHome = tempDir('hyp-smoke-bg-stale-');
  writeFileSync(
    join(hypHome, 'hypaware-config.json'),
    JSON.stringify({ plugins: { '@hypaware/ai-gateway': { listen: '127.0.0.1:0' } } }),
  );
  mkdirSync(join(hypHome, 'hypaware'), { recursive: true });
  const hyp = (...args: string[]) => runHyp(args, { hypHome });
  t.after(() => killIfRunning(readPid(hypHome)));

  const dead = await new Promise<number>((resolve) => {
    const c = spawn(process.execPath, ['-e', '0']);
    c.on('exit', () => resolve(c.pid!));
  });
  writeFileSync(pidFileOf(hypHome), `${dead}\n`);
  const overDead = await hyp('daemon', 'start');
  assert.equal(overDead.code, 0, overDead.stderr);
  assert.equal(overDead.stderr, `hyp: removed a stale pid file (pid ${dead} is not running)\n`);
  assert.equal((await hyp('daemon', 'stop')).code, 0);

  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  writeFileSync(pidFileOf(hypHome), `${other.pid}\n`);
  assert.equal((await hyp('daemon', 'status')).code, 3, 'another program is not a running daemon');
  const overOther = await hyp('daemon', 'start');
  assert.equal(overOther.code, 0, overOther.stderr);
  assert.match(
    overOther.stderr,
    new RegExp(
      `^hyp: removed a stale pid file \\(pid ${other.pid} is another program \\(.+\\), not a HypAware daemon; it was not signalled\\)\\n$`,
    ),
  );
  const stop = await hyp('daemon', 'stop');
  assert.equal(stop.code, 0);
  assert.equal(isRunning(other.pid!), true, 'the other program still runs');
});
