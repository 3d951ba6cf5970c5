// `hyp status` capture diagnostics, each raised by the situation it names and cleared by its
// repair, against real daemons, a fake Anthropic upstream and a real `hyp claude attach`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp, startDaemon, type DaemonHandle } from '../../harness/daemon.js';
import { startFakeAnthropic } from '../../harness/fake-anthropic.js';
import { tempDir } from '../../harness/repo.js';
import { runCli } from './run-cli.js';
import { sendClaudeTurn, wirePrompt } from '../claude/claude-harness.js';

interface Status {
  diagnostics: Array<{ kind: string; level: string; message: string; repair?: string }>;
  capture: {
    gateway: {
      endpoint: string;
      upstreams: string[];
      projectors: string[];
      writer?: { state: string; queued: number; written: number };
    } | null;
    clients: Array<{ name: string; attached: boolean | null; endpoint: string | null; stale: boolean }>;
    last_24h: {
      messages: number;
      exchanges: number;
      exchanges_without_rows: number;
      without_rows: Array<{ method: string; path: string; reason: string; exchanges: number }>;
    };
    recent_errors: { count: number; latest: Array<{ event: string }> };
  };
}

const fake = await startFakeAnthropic();
after(() => fake.close());

function clientEnv(home: string): Record<string, string> {
  return { HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude'), CODEX_HOME: join(home, '.codex') };
}

function gatewayConfig(
  extra: Record<string, unknown> = {},
  gatewayExtra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    plugins: {
      '@hypaware/ai-gateway': {
        ...gatewayExtra,
        listen: '127.0.0.1:0',
        upstreams: [
          { name: 'anthropic', base_url: fake.url, path_prefix: '/v1/messages', provider: 'anthropic' },
          { name: 'other', base_url: fake.url, path_prefix: '/v1/other' },
        ],
      },
    },
    ...extra,
  };
}

async function status(hypHome: string, env: Record<string, string>): Promise<Status> {
  const r = await runCli(['status', '--json'], hypHome, env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Status;
}

const kinds = (s: Status, kind: string) => s.diagnostics.filter((d) => d.kind === kind);

async function post(
  daemon: DaemonHandle,
  path: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<void> {
  const res = await fetch(`${daemon.endpoint}${path}`, { method: 'POST', headers, body });
  await res.text();
}

async function claudeTurn(daemon: DaemonHandle, sessionId: string): Promise<void> {
  await sendClaudeTurn(daemon.endpoint!, { sessionId, messages: [wirePrompt('hello')] });
}

async function waitForStatus(
  hypHome: string,
  env: Record<string, string>,
  ok: (s: Status) => boolean,
  what: string,
): Promise<Status> {
  let last: Status | undefined;
  for (let i = 0; i < 40; i++) {
    last = await status(hypHome, env);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: ${JSON.stringify(last?.diagnostics)}`);
}

test('client attach: missing, then attached, then stale after the gateway moved, then repaired', async () => {
  const home = tempDir('hyp-status-clients-');
  const env = clientEnv(home);
  let daemon = await startDaemon({ config: gatewayConfig(), env });
  try {
    let s = await status(daemon.hypHome, env);
    assert.deepEqual(
      kinds(s, 'client_attach_missing')
        .map((d) => d.repair)
        .sort(),
      ['hyp claude attach', 'hyp codex attach'],
    );
    assert.equal(s.capture.gateway?.endpoint, daemon.endpoint);
    assert.ok(s.capture.gateway?.upstreams.includes('anthropic'));
    assert.ok(s.capture.gateway?.projectors.length, 'the projectors are listed');

    const attach = await runHyp(['claude', 'attach'], { hypHome: daemon.hypHome, env });
    assert.equal(attach.code, 0, attach.stderr);
    s = await status(daemon.hypHome, env);
    assert.deepEqual(
      kinds(s, 'client_attach_missing').map((d) => d.repair),
      ['hyp codex attach'],
      'attaching Claude cleared its finding',
    );
    assert.deepEqual(kinds(s, 'client_attach_stale'), []);
    assert.deepEqual(
      s.capture.clients.find((c) => c.name === 'claude'),
      {
        name: 'claude',
        attached: true,
        endpoint: daemon.endpoint,
        upstream: `${fake.url} (anthropic upstream)`,
        settings_path: join(home, '.claude', 'settings.json'),
        stale: false,
      },
    );

    await daemon.stop();
    daemon = await startDaemon({ hypHome: daemon.hypHome, config: gatewayConfig(), env });
    s = await status(daemon.hypHome, env);
    const stale = kinds(s, 'client_attach_stale');
    assert.equal(stale.length, 1, 'the new port makes the Claude attach stale');
    assert.equal(stale[0]!.repair, 'hyp claude attach');
    assert.match(stale[0]!.message, new RegExp(daemon.endpoint!.replace(/[.]/g, '\\.')));

    assert.equal((await runHyp(['claude', 'attach'], { hypHome: daemon.hypHome, env })).code, 0);
    s = await status(daemon.hypHome, env);
    assert.deepEqual(kinds(s, 'client_attach_stale'), [], 're-attaching repaired it');
  } finally {
    await daemon.stop();
  }
});

test('traffic: unprojected exchanges and failing projectors are named with their paths; no rows until real traffic', async () => {
  const home = tempDir('hyp-status-traffic-');
  const env = clientEnv(home);
  // A third-party plugin whose projector takes /v1/other and always throws.
  const plugin = join(home, 'broken-projector');
  mkdirSync(plugin, { recursive: true });
  writeFileSync(
    join(plugin, 'hypaware.plugin.json'),
    JSON.stringify({
      name: 'broken-projector',
      version: '1.0.0',
      main: 'index.js',
      provides: {},
      requires: { 'hypaware.ai-gateway': '^2.0.0' },
      contributes: { 'hypaware.ai-gateway': { projectors: 'projectors.js' } },
    }),
  );
  writeFileSync(
    join(plugin, 'projectors.js'),
    `export function createProjectors() {
  return [{ name: 'broken', priority: 1000, match: (e) => e.pathname === '/v1/other/broken', project() { throw new Error('boom'); } }];
}\n`,
  );
  writeFileSync(
    join(plugin, 'index.js'),
    `import { createProjectors } from './projectors.js';
export function activate(ctx) {
  for (const p of createProjectors()) ctx.requireCapability('hypaware.ai-gateway', '^2.0.0').registerExchangeProjector(p);
}\n`,
  );
  const daemon = await startDaemon({ config: gatewayConfig({ plugin_dirs: [plugin] }), env });
  try {
    await post(daemon, '/v1/other/unknown', '{}');
    await post(daemon, '/v1/other/unknown?x=1', '{}');
    await post(daemon, '/v1/other/broken', '{}');
    let s = await waitForStatus(
      daemon.hypHome,
      env,
      (x) => x.capture.last_24h.exchanges === 3,
      'three exchanges recorded',
    );
    const unprojected = kinds(s, 'exchanges_unprojected');
    assert.equal(unprojected.length, 1);
    assert.match(
      unprojected[0]!.message,
      /^2 exchanges in the last 24 h matched no projector.*POST \/v1\/other\/unknown/,
    );
    assert.match(unprojected[0]!.repair!, /^hyp query sql "SELECT .* skip_reason = 'no_projector_match'/);
    const failed = kinds(s, 'projection_failed');
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.message, /^1 exchanges .*POST \/v1\/other\/broken/);
    assert.equal(kinds(s, 'capture_no_rows').length, 1, 'exchanges but no rows');
    assert.deepEqual(
      s.capture.last_24h.without_rows.map((w) => [w.path, w.reason, w.exchanges]),
      [
        ['/v1/other/unknown', 'no_projector_match', 2],
        ['/v1/other/broken', 'all_projectors_failed', 1],
      ],
    );

    await claudeTurn(daemon, '7d1c5a52-0000-4000-8000-0000000000aa');
    s = await waitForStatus(daemon.hypHome, env, (x) => x.capture.last_24h.messages > 0, 'the Claude turn written');
    assert.deepEqual(kinds(s, 'capture_no_rows'), [], 'real rows cleared capture_no_rows');
    const repair = await runHyp(
      ['query', 'sql', unprojected[0]!.repair!.replace(/^hyp query sql "|"$/g, ''), '--format', 'json'],
      { hypHome: daemon.hypHome, env },
    );
    assert.equal(repair.code, 0, repair.stderr);
    assert.equal(
      (JSON.parse(repair.stdout) as unknown[]).length,
      2,
      'the repair command lists the unprojected exchanges',
    );
  } finally {
    await daemon.stop();
  }
});

test('recent errors: raised by errors the daemon logs, cleared by restarting it repaired', async () => {
  const home = tempDir('hyp-status-errors-');
  const env = { ...clientEnv(home), HYP_RETENTION_INTERVAL_MS: '50' };
  let daemon = await startDaemon({ config: gatewayConfig({ retention: { messages_days: 'ninety' } }), env });
  try {
    await daemon.waitForLog('retention.failed');
    const s = await status(daemon.hypHome, env);
    const errors = kinds(s, 'recent_errors');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /retention\.failed: config retention\.messages_days: must be a whole number/);
    assert.match(errors[0]!.repair!, /^grep '"level":"error"' .*hypaware\.jsonl \| tail -n 20$/);
    assert.ok(s.capture.recent_errors.count >= 1);

    await daemon.stop();
    daemon = await startDaemon({
      hypHome: daemon.hypHome,
      config: gatewayConfig({ retention: { messages_days: 90 } }),
      env,
    });
    await daemon.waitForLog('daemon.running');
    const repaired = await status(daemon.hypHome, env);
    assert.deepEqual(kinds(repaired, 'recent_errors'), [], 'errors before the repaired daemon started no longer count');
    assert.equal(repaired.capture.recent_errors.count, 0);
  } finally {
    await daemon.stop();
  }
});

test('writer: parked when idle, shown in hyp status; the next exchange wakes it and is counted', async () => {
  const home = tempDir('hyp-status-writer-');
  const env = clientEnv(home);
  const daemon = await startDaemon({ config: gatewayConfig({}, { writer_park_after_ms: 300 }), env });
  try {
    await claudeTurn(daemon, '0f7c1e2a-0000-4000-8000-00000000aa01');
    // the status file is rewritten every 5 s: the first report after the park says so
    const parked = await waitForStatus(
      daemon.hypHome,
      env,
      (s) => s.capture.gateway?.writer?.state === 'parked' && s.capture.gateway.writer.written === 1,
      'the writer parked after one exchange',
    ).catch(async () =>
      waitForStatus(
        daemon.hypHome,
        env,
        (s) => s.capture.gateway?.writer?.state === 'parked' && s.capture.gateway.writer.written === 1,
        'the writer parked after one exchange (second wait)',
      ),
    );
    assert.equal(parked.capture.gateway!.writer!.queued, 0);
    const text = await runCli(['status'], daemon.hypHome, env);
    assert.match(
      text.stdout,
      /writer: parked \(idle: its memory is given back; the next exchange starts it\); 1 exchange\(s\) written/,
    );

    await claudeTurn(daemon, '0f7c1e2a-0000-4000-8000-00000000aa02');
    const again = await waitForStatus(
      daemon.hypHome,
      env,
      (s) => s.capture.gateway?.writer?.written === 2,
      'the second exchange written by the woken writer',
    ).catch(async () =>
      waitForStatus(
        daemon.hypHome,
        env,
        (s) => s.capture.gateway?.writer?.written === 2,
        'second exchange (second wait)',
      ),
    );
    assert.equal(again.capture.last_24h.exchanges, 2);
  } finally {
    await daemon.stop();
  }
});
