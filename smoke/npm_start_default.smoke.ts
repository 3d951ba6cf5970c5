// `npm start` = `node bin/hyp.js daemon run --foreground` with no config file and no HYP_HOME:
// the embedded default under ~/.hyp (a temp HOME here). It must answer SIGTERM with exit 0
// and leave a `stopped` status file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLogLines } from '../harness/daemon.js';
import { HYP_BIN, REPO_ROOT, tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';
import { GATEWAY_BUILT } from '../test/kernel/kernel-fixtures.js';

test('npm start: the daemon on the embedded default, stopped by SIGTERM', async (t) => {
  const home = tempDir('hyp-smoke-npm-start-');
  const hypHome = join(home, '.hyp');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.HYP_HOME;
  const child = spawn(process.execPath, [HYP_BIN, 'daemon', 'run', '--foreground'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const statusFile = join(hypHome, 'hypaware', 'daemon.status.json');
  const readStatus = () => {
    try {
      return JSON.parse(readFileSync(statusFile, 'utf8')) as {
        state: string;
        pid: number;
        config_path: string;
        sources: Array<{ name: string; plugin: string; state: string; details?: Record<string, unknown> }>;
      };
    } catch {
      return undefined;
    }
  };
  const running = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`daemon exited early (${child.exitCode}): ${stderr.slice(-1500)}`);
      const s = readStatus();
      return s?.state === 'running' && s.pid === child.pid ? s : undefined;
    },
    'the daemon to run under ~/.hyp',
    20_000,
  );
  assert.equal(running.config_path, join(hypHome, 'hypaware-config.json'));
  assert.equal(existsSync(running.config_path), false, 'no config file was written');
  const starting = await waitFor(
    () => readLogLines(hypHome).find((l) => l.event === 'daemon.starting'),
    'daemon.starting in the log',
  );
  assert.equal(starting.config, '(embedded default)');
  if (GATEWAY_BUILT) {
    // 127.0.0.1:18521, or an ephemeral port when 18521 is taken (and then it says so)
    const gateway = running.sources.find((s) => s.plugin === '@hypaware/ai-gateway');
    assert.equal(gateway?.state, 'running', JSON.stringify(running.sources));
    const endpoint = new URL(String(gateway.details?.endpoint));
    assert.equal(endpoint.hostname, '127.0.0.1');
    if (endpoint.port !== '18521') {
      const fallback = await waitFor(
        () => readLogLines(hypHome).find((l) => l.level === 'warn' && /18521/.test(JSON.stringify(l))),
        'a warning about port 18521 being busy',
      );
      assert.ok(fallback.plugin === '@hypaware/ai-gateway', JSON.stringify(fallback));
    }
  } else {
    t.diagnostic('plugins-workspace/ai-gateway/dist/index.js not built: the gateway part is not checked');
  }

  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  const exit = await exited;
  clearTimeout(timer);
  assert.deepEqual(exit, { code: 0, signal: null }, `exit within 2 s; stderr: ${stderr.slice(-1500)}`);
  const stopped = readStatus();
  assert.equal(stopped?.state, 'stopped');
  for (const s of stopped.sources) assert.equal(s.state, 'stopped', s.name);
  assert.equal(existsSync(join(hypHome, 'hypaware', 'daemon.pid')), false);
});
