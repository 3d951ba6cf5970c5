import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readLogLines } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { bootFixtures, fixturePlugin } from './kernel-fixtures.js';

const thirdParty = (name: string) => fixturePlugin('third-party', name);

test('a third-party plugin built for ai-gateway ^1.0.0 is skipped against 2.0.0; the rest activate', async (t) => {
  const { kernel, hypHome, activations } = await bootFixtures({
    bundled: fixturePlugin('gateway-world'),
    config: { plugin_dirs: [thirdParty('legacy-gateway-client')] },
  });
  t.after(() => kernel.shutdown());
  assert.deepEqual(activations, ['fixture-fake-gateway', 'fixture-modern-adapter']);
  assert.equal(kernel.skipped.length, 1);
  const skip = kernel.skipped[0]!;
  assert.equal(skip.name, 'acme-legacy-gateway-client');
  assert.equal(skip.kind, 'capability_version_mismatch');
  // plugin, capability, range wanted, version provided (and by whom), what to do
  assert.match(skip.message, /acme-legacy-gateway-client/);
  assert.match(skip.message, /hypaware\.ai-gateway@\^1\.0\.0/);
  assert.match(skip.message, /fixture-fake-gateway provides hypaware\.ai-gateway 2\.0\.0/);
  assert.match(skip.message, /upgrade acme-legacy-gateway-client .* or disable it/);
  await kernel.shutdown();
  const logged = readLogLines(hypHome).find(
    (l) => l.event === 'plugin.skipped' && l.plugin === 'acme-legacy-gateway-client',
  );
  assert.equal(logged?.level, 'warn');
  assert.equal(logged?.message, skip.message);
});

test("skipping is transitive: a plugin needing the skipped plugin's capability is skipped too", async (t) => {
  const { kernel, activations } = await bootFixtures({
    bundled: fixturePlugin('gateway-world'),
    config: { plugin_dirs: [thirdParty('legacy-extras-user'), thirdParty('legacy-gateway-client')] },
  });
  t.after(() => kernel.shutdown());
  assert.deepEqual(activations, ['fixture-fake-gateway', 'fixture-modern-adapter']);
  const user = kernel.skipped.find((s) => s.name === 'acme-legacy-extras-user');
  assert.equal(user?.kind, 'dependency_skipped');
  assert.match(user.message, /acme\.legacy-extras/);
  assert.match(user.message, /acme-legacy-gateway-client, which was not activated/);
});

test('a missing capability names the capability and the range, and what to do', async (t) => {
  const { kernel, activations } = await bootFixtures({
    bundled: fixturePlugin('gateway-world'),
    config: { plugin_dirs: [thirdParty('needs-absent')] },
  });
  t.after(() => kernel.shutdown());
  assert.deepEqual(activations, ['fixture-fake-gateway', 'fixture-modern-adapter']);
  const skip = kernel.skipped.find((s) => s.name === 'acme-needs-absent');
  assert.equal(skip?.kind, 'capability_missing');
  assert.match(skip.message, /acme\.never-provided@\^3\.0\.0, which no plugin provides/);
  assert.match(skip.message, /install a plugin that provides acme\.never-provided or disable acme-needs-absent/);
});

test('a capability whose provider is disabled: the requirer is skipped and told which plugin to enable', async (t) => {
  const { kernel, activations } = await bootFixtures({
    bundled: fixturePlugin('graph'),
    config: { plugins: { 'fixture-z-base': { enabled: false } } },
  });
  t.after(() => kernel.shutdown());
  assert.deepEqual(activations, ['fixture-b-leaf']);
  const byName = new Map(kernel.skipped.map((s) => [s.name, s] as const));
  assert.equal(byName.get('fixture-z-base')?.kind, 'disabled');
  assert.equal(byName.get('fixture-m-mid')?.kind, 'capability_missing');
  assert.match(
    byName.get('fixture-m-mid')!.message,
    /fixture\.base@\^1\.0\.0, provided by fixture-z-base, which is disabled; enable fixture-z-base/,
  );
  assert.equal(byName.get('fixture-a-app')?.kind, 'dependency_skipped');
});

test('a requirement cycle is refused with the cycle named; its dependents are skipped, bystanders run', async (t) => {
  const { kernel, activations } = await bootFixtures({ bundled: fixturePlugin('cycle') });
  t.after(() => kernel.shutdown());
  assert.deepEqual(activations, ['fixture-e-free']);
  const byName = new Map(kernel.skipped.map((s) => [s.name, s] as const));
  for (const member of ['fixture-c-one', 'fixture-c-two']) {
    const skip = byName.get(member);
    assert.equal(skip?.kind, 'cycle', member);
    assert.match(
      skip.message,
      /form a cycle \((fixture-c-one -> fixture-c-two -> fixture-c-one|fixture-c-two -> fixture-c-one -> fixture-c-two)\)/,
    );
  }
  assert.equal(byName.get('fixture-d-hanger')?.kind, 'dependency_skipped');
  assert.match(byName.get('fixture-d-hanger')!.message, /fixture-c-one/);
});

test('two plugins with the same name: the second folder is ignored, with both folders named', async (t) => {
  const { kernel, activations } = await bootFixtures({
    bundled: fixturePlugin('graph'),
    config: { plugin_dirs: [thirdParty('z-base-copy')] },
  });
  t.after(() => kernel.shutdown());
  assert.equal(activations.filter((n) => n === 'fixture-z-base').length, 1);
  assert.equal(kernel.plugins.find((p) => p.name === 'fixture-z-base')?.rootDir, fixturePlugin('graph', 'z-base'));
  const dup = kernel.skipped.find((s) => s.kind === 'duplicate_plugin');
  assert.equal(dup?.name, 'fixture-z-base');
  assert.ok(
    dup.message.includes(thirdParty('z-base-copy')) && dup.message.includes(fixturePlugin('graph', 'z-base')),
    dup.message,
  );
});

test('broken manifests: missing field, bad semver range, invalid JSON, no manifest, unknown folder', async (t) => {
  const missingFolder = join(tempDir(), 'not-installed-plugin');
  const dirs = ['missing-main', 'bad-range', 'invalid-json', 'no-manifest'].map((d) =>
    fixturePlugin('bad-manifests', d),
  );
  const { kernel, activations } = await bootFixtures({
    bundled: fixturePlugin('gateway-world'),
    config: { plugin_dirs: [...dirs, missingFolder] },
  });
  t.after(() => kernel.shutdown());
  assert.deepEqual(activations, ['fixture-fake-gateway', 'fixture-modern-adapter'], 'the good plugins still run');
  const messageFor = (dir: string) => {
    const f = kernel.failed.find((x) => x.rootDir === dir);
    assert.equal(f?.kind, 'manifest_invalid', dir);
    return f.message;
  };
  assert.match(messageFor(dirs[0]!), /manifest field "main" is missing/);
  assert.match(
    messageFor(dirs[1]!),
    /requires\.hypaware\.ai-gateway: "two-point-oh or later" is not a valid semver range/,
  );
  assert.match(messageFor(dirs[2]!), /hypaware\.plugin\.json is not valid JSON/);
  assert.match(messageFor(dirs[3]!), /no hypaware\.plugin\.json in .*no-manifest/);
  assert.match(messageFor(missingFolder), /plugin folder .*not-installed-plugin does not exist/);
});

test('a plugin whose activate() throws leaves nothing registered, still gets its shutdown hook, and its dependents are not activated', async (t) => {
  const { kernel, hypHome, activations } = await bootFixtures({
    bundled: fixturePlugin('graph'),
    config: { plugin_dirs: [thirdParty('half-activated'), thirdParty('half-user')] },
  });
  t.after(() => kernel.shutdown());
  const failed = kernel.failed.find((f) => f.name === 'acme-half-activated');
  assert.equal(failed?.kind, 'activate_failed');
  assert.match(failed.message, /license file \/etc\/acme\/license missing/);
  assert.equal(
    kernel.plugins.some((p) => p.name === 'acme-half-activated'),
    false,
  );
  assert.equal(kernel.capabilities.get('acme.half'), undefined, 'capability withdrawn');
  assert.deepEqual(
    kernel.sources.map((s) => s.name),
    [],
  );
  assert.deepEqual(
    kernel.commands.map((c) => c.name),
    [],
  );
  assert.equal(kernel.datasets.has('acme_half_rows'), false);
  assert.deepEqual(
    kernel.diagnostics.map((d) => d.plugin),
    [],
  );
  assert.equal(activations.includes('acme-half-user'), false);
  assert.equal(kernel.failed.find((f) => f.name === 'acme-half-user')?.kind, 'dependency_failed');
  assert.equal(activations.length, 4, 'the graph plugins are unaffected');
  await kernel.shutdown();
  assert.ok(
    readLogLines(hypHome).some((l) => l.event === 'acme.half_released'),
    'shutdown hook ran',
  );
});
