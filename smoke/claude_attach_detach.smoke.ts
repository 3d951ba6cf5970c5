// `hyp claude attach|detach` as real processes against a running daemon, in a temporary HOME:
// the endpoint written is the daemon's, the installed hook command really runs, attaching
// twice changes nothing, detach restores the user's previous ANTHROPIC_BASE_URL and every
// byte of the file, JSONC is refused with one line, and without a daemon nothing is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { tempDir } from '../harness/repo.js';

const ORIGINAL = `{
    "model": "sonnet",
    "env": {
        "ANTHROPIC_BASE_URL": "https://llm-gateway.corp.example",
        "BASH_DEFAULT_TIMEOUT_MS": "60000"
    },
    "hooks": {
        "Stop": [{ "hooks": [{ "type": "command", "command": "say done" }] }]
    }
}`;

function shell(command: string, input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('/bin/sh', ['-c', command], { timeout: 15_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

test('hyp claude attach / detach round trip with a real daemon', async (t) => {
  const home = tempDir('hyp-claude-attach-');
  const settings = join(home, '.claude', 'settings.json');
  mkdirSync(join(home, '.claude'));
  writeFileSync(settings, ORIGINAL);
  chmodSync(settings, 0o640);
  const daemon = await startDaemon();
  t.after(() => daemon.stop());
  const hyp = (args: string[]) => runHyp(args, { hypHome: daemon.hypHome, env: { HOME: home } });

  const attached = await hyp(['claude', 'attach']);
  assert.equal(attached.code, 0, attached.stderr);
  assert.match(attached.stdout, /✓ Claude Code attached/);
  assert.match(attached.stdout, /previous ANTHROPIC_BASE_URL was https:\/\/llm-gateway\.corp\.example/);
  const once = readFileSync(settings, 'utf8');
  const s = JSON.parse(once);
  assert.match(
    s.env.ANTHROPIC_BASE_URL,
    new RegExp(`^${daemon.endpoint!.replace(/[.]/g, '\\.')}/chain/claude-[0-9a-f]{8}$`),
    "the running gateway's real endpoint, chained to the user's own gateway",
  );
  assert.match(attached.stdout, /traffic goes on to your own upstream https:\/\/llm-gateway\.corp\.example/);
  assert.equal(s.env.ENABLE_TOOL_SEARCH, 'true');
  assert.equal(
    s.env._CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL,
    undefined,
    "never first-party towards the user's own gateway",
  );
  assert.equal(s.env.BASH_DEFAULT_TIMEOUT_MS, '60000');
  assert.deepEqual(s.hooks.Stop, [{ hooks: [{ type: 'command', command: 'say done' }] }]);
  assert.deepEqual(Object.keys(s.hooks), [
    'Stop',
    'SessionStart',
    'CwdChanged',
    'UserPromptSubmit',
    'PostToolUse',
    'SessionEnd',
  ]);
  assert.equal(statSync(settings).mode & 0o777, 0o640, 'mode kept');
  assert.match(once, /^ {4}"model"/m, 'the file keeps its 4-space indentation');

  // the installed command works as Claude Code will run it (through a shell, JSON on stdin)
  const stateFile = join(daemon.hypHome, 'hypaware', 'plugins', '@hypaware', 'claude', 'session-context.jsonl');
  const command = s.hooks.UserPromptSubmit[0].hooks[0].command as string;
  assert.ok(command.endsWith(`claude-hook session-context --state-file ${stateFile}`), command);
  const ran = await shell(
    command,
    JSON.stringify({ session_id: 'smoke-session', cwd: home, hook_event_name: 'UserPromptSubmit', prompt: 'hi' }),
  );
  assert.deepEqual(ran, { code: 0, stdout: '', stderr: '' });
  assert.equal(JSON.parse(readFileSync(stateFile, 'utf8').trim()).session_id, 'smoke-session');

  const again = await hyp(['claude', 'attach', '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).changed, false);
  assert.equal(readFileSync(settings, 'utf8'), once, 'attach twice: no change');

  const status = JSON.parse((await hyp(['claude', 'status', '--json'])).stdout);
  assert.deepEqual(
    [status.attached, status.endpoint, status.gateway_endpoint],
    [true, daemon.endpoint, daemon.endpoint],
  );

  const dry = await hyp(['claude', 'detach', '--dry-run']);
  assert.match(dry.stdout, /\(dry-run\) Would detach/);
  assert.equal(readFileSync(settings, 'utf8'), once);
  const detached = await hyp(['claude', 'detach']);
  assert.equal(detached.code, 0, detached.stderr);
  assert.match(detached.stdout, /restored ANTHROPIC_BASE_URL = https:\/\/llm-gateway\.corp\.example/);
  assert.equal(readFileSync(settings, 'utf8'), ORIGINAL, 'byte for byte');
  assert.equal(statSync(settings).mode & 0o777, 0o640);
  assert.match((await hyp(['claude', 'detach'])).stdout, /nothing to do/);

  const jsonc = '{\n  // personal settings\n  "model": "opus"\n}\n';
  writeFileSync(settings, jsonc);
  const refused = await hyp(['claude', 'attach']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /^hyp: .*contains comments \(JSONC\).*\n$/);
  assert.equal(refused.stderr.split('\n').length, 2, 'one line, no stack');
  assert.equal(readFileSync(settings, 'utf8'), jsonc);

  writeFileSync(settings, ORIGINAL);
  await daemon.stop();
  const noGateway = await hyp(['claude', 'attach']);
  assert.notEqual(noGateway.code, 0);
  assert.match(noGateway.stderr, /^hyp: cannot attach Claude Code: .*hyp daemon start/);
  assert.equal(readFileSync(settings, 'utf8'), ORIGINAL, 'a port nothing listens on is never written');
});
