import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLogLines, runHyp, startDaemon } from '../../harness/daemon.js';
import { HYP_BIN, tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import { configWithoutBundled, fixturePlugin, writeConfig } from './kernel-fixtures.js';

const ticker = fixturePlugin('third-party', 'ticker-source');
const failing = fixturePlugin('third-party', 'failing-source');

interface StatusFile {
  state: string;
  pid: number;
  error?: string;
  sources: Array<{ name: string; state: string; message?: string }>;
  problems: string[];
}
const readStatus = (hypHome: string) =>
  JSON.parse(readFileSync(join(hypHome, 'hypaware', 'daemon.status.json'), 'utf8')) as StatusFile;

test('every source fails to start: one line, exit 1, status failed, no pid file left', async () => {
  const hypHome = tempDir('hyp-daemon-');
  writeConfig(hypHome, configWithoutBundled({ plugin_dirs: [failing] }));
  const r = await runHyp(['daemon', 'run', '--foreground'], { hypHome });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^hyp: source acme-broken-source failed to start: cannot bind 127\.0\.0\.1:1 \(EACCES\)$/m);
  const status = readStatus(hypHome);
  assert.equal(status.state, 'failed');
  assert.match(String(status.error), /acme-broken-source failed to start/);
  assert.deepEqual(
    status.sources.map((s) => `${s.name}:${s.state}`),
    ['acme-broken-source:failed'],
  );
  assert.equal(existsSync(join(hypHome, 'hypaware', 'daemon.pid')), false);
});

test('one source of two fails: the daemon runs, the status names the failure; SIGINT stops it with exit 0', async (t) => {
  const daemon = await startDaemon({ config: configWithoutBundled({ plugin_dirs: [failing, ticker] }) });
  t.after(() => daemon.stop());
  const status = daemon.status();
  assert.equal(status.state, 'running');
  const byName = new Map(status.sources.map((s) => [s.name, s as { state: string; message?: string }] as const));
  assert.equal(byName.get('acme-ticker')?.state, 'running');
  assert.equal(byName.get('acme-broken-source')?.state, 'failed');
  assert.match(String(byName.get('acme-broken-source')?.message), /EACCES/);
  const failedLine = await daemon.waitForLog('source.start_failed');
  assert.equal(failedLine.source, 'acme-broken-source');
  const exit = await daemon.stop('SIGINT');
  assert.deepEqual(exit, { code: 0, signal: null });
  const stopped = daemon.status();
  assert.equal(stopped.state, 'stopped');
  assert.deepEqual(stopped.sources.map((s) => `${s.name}:${s.state}`).sort(), [
    'acme-broken-source:failed',
    'acme-ticker:stopped',
  ]);
});

test('a stale pid file (its process is gone) does not block the next start', async (t) => {
  const hypHome = tempDir('hyp-daemon-');
  const gone = spawnSync(process.execPath, ['-e', '0']).pid;
  mkdirSync(join(hypHome, 'hypaware'), { recursive: true });
  writeFileSync(join(hypHome, 'hypaware', 'daemon.pid'), `${gone}\n`);
  const daemon = await startDaemon({ hypHome, config: configWithoutBundled({ plugin_dirs: [ticker] }) });
  t.after(() => daemon.stop());
  assert.equal(readFileSync(join(hypHome, 'hypaware', 'daemon.pid'), 'utf8').trim(), String(daemon.proc.pid));
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null });
});

test('skipped and failed plugins are listed as problems in the status file, and the daemon runs', async (t) => {
  const daemon = await startDaemon({
    config: configWithoutBundled({ plugin_dirs: [ticker, fixturePlugin('third-party', 'legacy-gateway-client')] }),
  });
  t.after(() => daemon.stop());
  const status = daemon.status() as unknown as StatusFile;
  assert.equal(status.state, 'running');
  assert.ok(
    status.problems.some((p) =>
      /acme-legacy-gateway-client is not activated: it requires capability hypaware\.ai-gateway@\^1\.0\.0/.test(p),
    ),
    JSON.stringify(status.problems),
  );
  const skipped = await daemon.waitForLog('plugin.skipped', (l) => l.plugin === 'acme-legacy-gateway-client');
  assert.equal(skipped.kind, 'capability_missing');
});

test('signals while the sources are still starting: SIGHUP is harmless, SIGTERM stops cleanly once they are up', async (t) => {
  const hypHome = tempDir('hyp-daemon-');
  writeConfig(
    hypHome,
    configWithoutBundled({ plugin_dirs: [ticker], plugins: { 'acme-ticker': { start_delay_ms: 400 } } }),
  );
  const child = spawn(process.execPath, [HYP_BIN, 'daemon', 'run', '--foreground'], {
    env: { ...process.env, HYP_HOME: hypHome },
    stdio: 'ignore',
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await waitFor(
    () => readLogLines(hypHome).some((l) => l.event === 'acme.ticker_starting'),
    'the source to begin starting',
  );
  child.kill('SIGHUP');
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
  const status = readStatus(hypHome);
  assert.equal(status.state, 'stopped');
  assert.deepEqual(
    status.sources.map((s) => `${s.name}:${s.state}`),
    ['acme-ticker:stopped'],
  );
  assert.equal(existsSync(join(hypHome, 'hypaware', 'daemon.pid')), false);
  const events = readLogLines(hypHome).map((l) => l.event);
  assert.ok(events.indexOf('source.started') < events.indexOf('daemon.stopping'), events.join(' '));
  assert.ok(events.includes('acme.ticker_stopped'), 'the source was stopped, not abandoned');
});
