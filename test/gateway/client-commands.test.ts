import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp, startDaemon } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';

test('hyp attach|detach <client>: unknown client is a usage error; no gateway means nothing written', async () => {
  const hypHome = tempDir();
  const home = tempDir('hyp-home-');
  const unknown = await runHyp(['attach', 'nope'], { hypHome, env: { HOME: home } });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown client "nope" \(known: claude, codex\)/);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
  const noGateway = await runHyp(['attach', 'claude'], {
    hypHome,
    env: { HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude') },
  });
  assert.equal(noGateway.code, 1);
  assert.match(noGateway.stderr, /no running gateway/);
});

test('hyp attach claude / hyp detach claude go through the claude client and round-trip its settings', async () => {
  const home = tempDir('hyp-home-');
  const claudeDir = join(home, '.claude');
  mkdirSync(claudeDir);
  const original = '{\n  "model": "opus",\n  "env": { "ANTHROPIC_BASE_URL": "https://corp.example" }\n}\n';
  writeFileSync(join(claudeDir, 'settings.json'), original);
  const daemon = await startDaemon({ env: { HOME: home } });
  try {
    const env = { HOME: home, CLAUDE_CONFIG_DIR: claudeDir };
    const attached = await runHyp(['attach', 'claude'], { hypHome: daemon.hypHome, env });
    assert.equal(attached.code, 0, attached.stderr);
    const settings = JSON.parse(readFileSync(join(claudeDir, 'settings.json'), 'utf8')) as {
      env: Record<string, string>;
    };
    assert.ok(
      settings.env.ANTHROPIC_BASE_URL!.startsWith(`${daemon.endpoint}/chain/claude-`),
      "the user's https://corp.example stays the upstream, behind the gateway",
    );
    const detached = await runHyp(['detach', 'claude'], { hypHome: daemon.hypHome, env });
    assert.equal(detached.code, 0, detached.stderr);
    assert.equal(readFileSync(join(claudeDir, 'settings.json'), 'utf8'), original);
  } finally {
    await daemon.stop();
  }
});
