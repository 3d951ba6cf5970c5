// The kernel alone: every bundled plugin disabled, an empty HYP_HOME. `hyp status --json`
// boots and says so; the daemon starts with nothing to run, idles, and stops cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { tempDir } from '../harness/repo.js';
import { bundledPluginNames, configWithoutBundled, writeConfig } from '../test/kernel/kernel-fixtures.js';

interface StatusJson {
  config: { exists: boolean; valid: boolean };
  daemon: { state: string; pid?: number; sources: unknown[] };
  plugins: Array<{ name: string; state: string }>;
  capabilities: unknown[];
  datasets: unknown[];
}

test('core boot with every bundled plugin disabled', async (t) => {
  const hypHome = tempDir('hyp-smoke-noop-');
  writeConfig(hypHome, configWithoutBundled());
  const bundled = bundledPluginNames();
  assert.ok(bundled.length >= 3, `bundled plugins found: ${bundled.join(', ')}`);

  await t.test('hyp status --json boots and lists the plugins as disabled', async () => {
    const r = await runHyp(['status', '--json'], { hypHome });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const status = JSON.parse(r.stdout) as StatusJson;
    assert.deepEqual(status.config, { ...status.config, exists: true, valid: true });
    assert.deepEqual(
      status.plugins.map((p) => `${p.name}:${p.state}`).sort(),
      bundled.map((n) => `${n}:disabled`).sort(),
    );
    assert.deepEqual(status.capabilities, []);
    assert.deepEqual(status.datasets, []);
    assert.equal(status.daemon.state, 'not_running');
  });

  await t.test('the daemon idles with no sources, answers SIGTERM with exit 0 and a stopped status', async () => {
    const daemon = await startDaemon({ hypHome });
    t.after(() => daemon.stop());
    const running = daemon.status();
    assert.equal(running.state, 'running');
    assert.equal(running.pid, daemon.proc.pid);
    assert.deepEqual(running.sources, []);
    const idle = await daemon.waitForLog('daemon.no_sources');
    assert.equal(idle.level, 'warn');
    await daemon.waitForLog('daemon.running');
    const pidFile = join(hypHome, 'hypaware', 'daemon.pid');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(daemon.proc.pid));

    const live = JSON.parse((await runHyp(['status', '--json'], { hypHome })).stdout) as StatusJson;
    assert.equal(live.daemon.state, 'running');
    assert.equal(live.daemon.pid, daemon.proc.pid);

    const exit = await daemon.stop('SIGTERM', 2000);
    assert.deepEqual(exit, { code: 0, signal: null }, `stderr: ${daemon.stderrText()}`);
    const stopped = daemon.status();
    assert.equal(stopped.state, 'stopped');
    assert.equal(typeof stopped.stopped_at, 'string');
    assert.equal(existsSync(pidFile), false, 'pid file removed');
    assert.ok(daemon.logLines().some((l) => l.event === 'daemon.stopped' && l.reason === 'SIGTERM'));

    const after = JSON.parse((await runHyp(['status', '--json'], { hypHome })).stdout) as StatusJson;
    assert.equal(after.daemon.state, 'stopped');
  });
});
