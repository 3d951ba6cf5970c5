// End to end: Claude Code and Codex attached to a running gateway in a temporary HOME, a unit
// installed through a fake systemctl; `hyp daemon uninstall` disables and removes the unit,
// stops the daemon, and detaches both clients, restoring their files byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp, startDaemon } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { fakeServiceTool, isRunning, pathWith, pidFileOf } from './daemon-fixtures.js';

const CLAUDE_SETTINGS = '{\n  "model": "sonnet",\n  "env": {\n    "BASH_DEFAULT_TIMEOUT_MS": "60000"\n  }\n}\n';
const CODEX_CONFIG = '# mine\nmodel = "gpt-5-codex"  # keep this comment\n\n[tui]\nnotifications = true\n';

test('uninstall detaches every attached client and leaves no daemon running', async (t) => {
  const home = tempDir('hyp-uninstall-home-');
  const claudeDir = join(home, '.claude');
  const codexHome = join(home, '.codex');
  mkdirSync(claudeDir);
  mkdirSync(codexHome);
  writeFileSync(join(claudeDir, 'settings.json'), CLAUDE_SETTINGS);
  writeFileSync(join(codexHome, 'config.toml'), CODEX_CONFIG);
  writeFileSync(
    join(codexHome, 'auth.json'),
    JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: 'sk-proj-HYPTEST' }),
  );
  const tool = fakeServiceTool('systemctl');
  const daemon = await startDaemon();
  t.after(() => daemon.stop());
  const env = {
    HOME: home,
    CLAUDE_CONFIG_DIR: undefined,
    CODEX_HOME: codexHome,
    XDG_CONFIG_HOME: undefined,
    PATH: pathWith(tool.dir),
  };
  const hyp = (...args: string[]) => runHyp(args, { hypHome: daemon.hypHome, env });

  for (const client of ['claude', 'codex']) {
    const attached = await hyp(client, 'attach');
    assert.equal(attached.code, 0, `${client}: ${attached.stderr}`);
  }
  assert.notEqual(readFileSync(join(claudeDir, 'settings.json'), 'utf8'), CLAUDE_SETTINGS, 'claude attached');
  assert.notEqual(readFileSync(join(codexHome, 'config.toml'), 'utf8'), CODEX_CONFIG, 'codex attached');
  // the unit the service would run (the daemon itself is the test's foreground one)
  const unit = join(home, '.config', 'systemd', 'user', 'hypaware.service');
  mkdirSync(join(home, '.config', 'systemd', 'user'), { recursive: true });
  writeFileSync(unit, '[Service]\n');

  const dry = await hyp('daemon', 'uninstall', '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`would stop the daemon \\(pid ${daemon.proc.pid}\\)`));
  assert.match(dry.stdout, /\(dry-run\) Would detach Claude Code/);
  assert.notEqual(readFileSync(join(claudeDir, 'settings.json'), 'utf8'), CLAUDE_SETTINGS, 'dry run detaches nothing');
  assert.equal(existsSync(unit), true);

  const r = await hyp('daemon', 'uninstall');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(
    readFileSync(join(claudeDir, 'settings.json'), 'utf8'),
    CLAUDE_SETTINGS,
    'claude settings restored byte for byte',
  );
  assert.equal(
    readFileSync(join(codexHome, 'config.toml'), 'utf8'),
    CODEX_CONFIG,
    'codex config restored byte for byte',
  );
  assert.equal(existsSync(unit), false);
  assert.ok(tool.calls().includes('--user disable --now hypaware.service'), tool.calls().join(' | '));
  assert.match(r.stdout, new RegExp(`stopped the HypAware daemon \\(pid ${daemon.proc.pid}\\)`));
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null }, 'the daemon drained and exited 0');
  assert.equal(isRunning(daemon.proc.pid!), false);
  assert.equal(existsSync(pidFileOf(daemon.hypHome)), false);

  for (const client of ['claude', 'codex']) {
    const status = JSON.parse((await hyp(client, 'status', '--json')).stdout) as { attached: boolean };
    assert.equal(status.attached, false, `${client} is detached`);
  }
  const again = await hyp('daemon', 'uninstall');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /no client is attached\n/);
});
