import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runHyp } from '../helpers/daemon.js';
import { tempDir } from '../helpers/repo.js';
import { fixturePlugin, writeConfig } from './kernel-fixtures.js';

// Against the real bundled plugins: the shipped @hypaware/ai-gateway manifest provides
// hypaware.ai-gateway 2.0.0, whatever state its code is in.
test('hyp status explains a third-party plugin built for ai-gateway ^1.0.0', async () => {
  const hypHome = tempDir('hyp-status-');
  writeConfig(hypHome, { plugin_dirs: [fixturePlugin('third-party', 'legacy-gateway-client')] });
  const expected = /acme-legacy-gateway-client is not activated: it requires capability hypaware\.ai-gateway@\^1\.0\.0 but @hypaware\/ai-gateway provides hypaware\.ai-gateway 2\.0\.0; upgrade acme-legacy-gateway-client to a version built for hypaware\.ai-gateway 2\.0\.0 or disable it/;

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
  assert.match(text.stdout, /^\s+acme-legacy-gateway-client: skipped\n\s+plugin acme-legacy-gateway-client is not activated: .*$/m);
  assert.match(text.stdout, expected);
  assert.match(text.stdout, /^config:\s+\S+hypaware-config\.json\s+valid$/m);
});
