import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { configWithoutBundled, fixturePlugin, writeConfig } from './kernel-fixtures.js';

// Against the real bundled plugins: the shipped @hypaware/ai-gateway manifest provides
// hypaware.ai-gateway 2.0.0, whatever state its code is in.
test('hyp status explains a third-party plugin built for ai-gateway ^1.0.0', async () => {
  const hypHome = tempDir('hyp-status-');
  writeConfig(hypHome, { plugin_dirs: [fixturePlugin('third-party', 'legacy-gateway-client')] });
  const expected =
    /acme-legacy-gateway-client is not activated: it requires capability hypaware\.ai-gateway@\^1\.0\.0 but @hypaware\/ai-gateway provides hypaware\.ai-gateway 2\.0\.0; upgrade acme-legacy-gateway-client to a version built for hypaware\.ai-gateway 2\.0\.0 or disable it/;

  const json = await runHyp(['status', '--json'], { hypHome });
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as {
    plugins: Array<{ name: string; state: string; message?: string }>;
    diagnostics: Array<{ kind: string; level: string; message: string }>;
  };
  const legacy = report.plugins.find((p) => p.name === 'acme-legacy-gateway-client');
  assert.equal(legacy?.state, 'skipped');
  assert.match(String(legacy.message), expected);
  const diag = report.diagnostics.find((d) => d.kind === 'plugin_skipped');
  assert.equal(diag?.level, 'warn');
  assert.match(diag.message, expected);

  const text = await runHyp(['status'], { hypHome });
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /^\s+acme-legacy-gateway-client: skipped\n\s+plugin acme-legacy-gateway-client is not activated: .*$/m,
  );
  assert.match(text.stdout, expected);
  assert.match(text.stdout, /^config:\s+\S+hypaware-config\.json\s+valid$/m);
});

test('hyp status: a status file left "running" by a process that is gone reads as dead, with the repair', async () => {
  const hypHome = tempDir('hyp-status-');
  writeConfig(hypHome, configWithoutBundled());
  const gone = spawnSync(process.execPath, ['-e', '0']).pid;
  mkdirSync(join(hypHome, 'hypaware'), { recursive: true });
  writeFileSync(
    join(hypHome, 'hypaware', 'daemon.status.json'),
    JSON.stringify({
      state: 'running',
      pid: gone,
      version: '0.0.0',
      hyp_home: hypHome,
      config_path: '',
      started_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      sources: [
        {
          name: 'gateway',
          plugin: '@hypaware/ai-gateway',
          state: 'running',
          details: { endpoint: 'http://127.0.0.1:1' },
        },
      ],
      plugins: [],
      problems: [],
    }),
  );
  const r = await runHyp(['status', '--json'], { hypHome });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    daemon: { state: string; alive: boolean; endpoint?: string };
    diagnostics: Array<{ kind: string; message: string; repair?: string }>;
  };
  assert.equal(report.daemon.state, 'dead');
  assert.equal(report.daemon.alive, false);
  assert.equal(report.daemon.endpoint, undefined, 'no endpoint advertised for a dead daemon');
  const diag = report.diagnostics.find((d) => d.kind === 'daemon_not_running');
  assert.match(String(diag?.message), new RegExp(`pid ${gone}\\) exited without stopping cleanly`));
  assert.equal(diag?.repair, 'hyp daemon start');
});
