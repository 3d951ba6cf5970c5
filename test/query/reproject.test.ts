// `hyp reproject`: the CLI side of the contract (flags in, counts out, one clear line when the
// gateway cannot re-project). The re-projection itself belongs to @hypaware/ai-gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/repo.js';
import { runCli } from './run-cli.js';

test('without the gateway capability the command says so in one line', async () => {
  const hypHome = tempDir('hyp-reproject-');
  writeFileSync(join(hypHome, 'hypaware-config.json'), JSON.stringify({ plugins: { '@hypaware/ai-gateway': { enabled: false } } }));
  const r = await runCli(['reproject'], hypHome);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^hyp: hyp reproject needs the hypaware\.ai-gateway capability: enable @hypaware\/ai-gateway \(hyp status\)\n$/);
});

test('flags reach the capability and its counts are reported', async () => {
  const hypHome = tempDir('hyp-reproject-');
  const plugin = join(hypHome, 'gateway-stand-in');
  const calls = join(hypHome, 'calls.jsonl');
  mkdirSync(plugin, { recursive: true });
  writeFileSync(join(plugin, 'hypaware.plugin.json'), JSON.stringify({ name: 'gateway-stand-in', version: '1.0.0', main: 'index.js', provides: { 'hypaware.ai-gateway': '2.0.0' }, requires: {} }));
  writeFileSync(join(plugin, 'index.js'), `import { appendFileSync } from 'node:fs';
export function activate(ctx) {
  ctx.provideCapability('hypaware.ai-gateway', '2.0.0', {
    async reproject(options) {
      appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ since: options.since ?? null, dryRun: options.dryRun }) + '\\n');
      options.onProgress({ exchanges_read: 12, exchanges_total: 12 });
      return { exchanges_read: 12, rows_added: options.dryRun ? 5 : 3, exchanges_with_new_rows: 2, skipped: { no_projector_match: 4, all_projectors_failed: 0 } };
    },
  });
}\n`);
  const off = { enabled: false };
  writeFileSync(join(hypHome, 'hypaware-config.json'), JSON.stringify({ plugins: { '@hypaware/ai-gateway': off, '@hypaware/claude': off, '@hypaware/codex': off }, plugin_dirs: [plugin] }));

  const text = await runCli(['reproject', '--since', '2026-11-01'], hypHome);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stdout, 'read 12 stored exchanges since 2026-11-01: added 3 rows from 2 exchanges; no projection for 4 no_projector_match\n');
  const dry = await runCli(['reproject', '--dry-run', '--json'], hypHome);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(JSON.parse(dry.stdout), { since: null, dry_run: true, exchanges_read: 12, rows_added: 5, exchanges_with_new_rows: 2, skipped: { no_projector_match: 4, all_projectors_failed: 0 } });
  assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown), [{ since: '2026-11-01', dryRun: false }, { since: null, dryRun: true }]);
  const bad = await runCli(['reproject', '--since', 'yesterday'], hypHome);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--since must be a date like 2026-01-31/);
});
