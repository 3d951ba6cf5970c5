import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLogLines } from '../../harness/daemon.js';
import { bootFixtures, fixturePlugin, modeOf } from './kernel-fixtures.js';

// test/fixtures/plugins/graph: a-app needs fixture.mid (from m-mid), m-mid needs fixture.base
// (from z-base), b-leaf needs nothing. Folder (alphabetical) order is a, b, m, z.

test('activation follows the capability graph, not folder order', async (t) => {
  const { kernel, activations } = await bootFixtures({ bundled: fixturePlugin('graph') });
  t.after(() => kernel.shutdown());
  assert.deepEqual(kernel.skipped, []);
  assert.deepEqual(kernel.failed, []);
  // providers first; among plugins ready at the same time, discovery order (b-leaf before z-base)
  assert.deepEqual(activations, ['fixture-b-leaf', 'fixture-z-base', 'fixture-m-mid', 'fixture-a-app']);
  assert.deepEqual(
    kernel.plugins.map((p) => p.name),
    activations,
  );
});

test('each requirer got the capability value from its provider', async () => {
  const { kernel, hypHome } = await bootFixtures({ bundled: fixturePlugin('graph') });
  await kernel.shutdown();
  const activated = readLogLines(hypHome).filter((l) => l.event === 'fixture.activated');
  const requiresOf = (plugin: string) => activated.find((l) => l.plugin === plugin)?.requires;
  assert.equal(requiresOf('fixture-a-app'), 'fixture.mid<-fixture-m-mid');
  assert.equal(requiresOf('fixture-m-mid'), 'fixture.base<-fixture-z-base');
  assert.equal(requiresOf('fixture-b-leaf'), '');
  assert.deepEqual(
    kernel.capabilities
      .list()
      .map((c) => `${c.name}@${c.version}:${c.provider}`)
      .sort(),
    ['fixture.base@1.0.0:fixture-z-base', 'fixture.mid@1.4.0:fixture-m-mid'],
  );
});

test('a plugin added through plugin_dirs slots into the graph where its capabilities put it', async (t) => {
  // acme-second-base provides fixture.base too: it clashes with z-base, so it must not activate,
  // and the order of the others must not change.
  const { kernel, activations } = await bootFixtures({
    bundled: fixturePlugin('graph'),
    config: { plugin_dirs: [fixturePlugin('third-party', 'second-base')] },
  });
  t.after(() => kernel.shutdown());
  assert.deepEqual(activations, ['fixture-b-leaf', 'fixture-z-base', 'fixture-m-mid', 'fixture-a-app']);
  const clash = kernel.skipped.find((s) => s.name === 'acme-second-base');
  assert.equal(clash?.kind, 'capability_clash');
  assert.match(clash.message, /fixture\.base is already provided by fixture-z-base/);
  assert.match(clash.message, /disable one of them/);
});

test('the activation context: mode, config slice without "enabled", owner-only state dir, tagged logger', async (t) => {
  const { kernel, hypHome } = await bootFixtures({
    bundled: fixturePlugin('graph'),
    mode: 'daemon',
    config: { plugins: { 'fixture-b-leaf': { enabled: true, colour: 'teal' } } },
  });
  t.after(() => kernel.shutdown());
  const leaf = kernel.plugins.find((p) => p.name === 'fixture-b-leaf');
  assert.deepEqual(leaf?.config, { colour: 'teal' });
  const stateDir = join(hypHome, 'hypaware', 'plugins', 'fixture-b-leaf');
  assert.ok(existsSync(stateDir), 'state dir created');
  assert.equal(modeOf(stateDir), 0o700);
  const counted = kernel.meters.samples().filter((s) => s.name === 'fixture.activations');
  assert.deepEqual(
    counted.map((s) => s.attributes).find((a) => a.plugin === 'fixture-b-leaf'),
    { plugin: 'fixture-b-leaf', mode: 'daemon' },
  );
  assert.equal(kernel.meters.total('fixture.activations'), 4);
  await kernel.shutdown();
  const line = readLogLines(hypHome).find((l) => l.event === 'fixture.activated' && l.plugin === 'fixture-b-leaf');
  assert.equal(line?.mode, 'daemon');
  assert.equal(line?.level, 'info');
});

test('counters are persisted per process role (daemon), not for cli', async () => {
  for (const mode of ['daemon', 'cli'] as const) {
    const { kernel, hypHome } = await bootFixtures({ bundled: fixturePlugin('graph'), mode });
    await kernel.shutdown();
    const file = join(hypHome, 'hypaware', 'metrics', `${mode}.json`);
    if (mode === 'cli') {
      assert.equal(existsSync(join(hypHome, 'hypaware', 'metrics')), false, 'cli keeps counters in memory');
      continue;
    }
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
      pid: number;
      counters: Array<{ name: string; attributes: Record<string, unknown>; value: number }>;
    };
    assert.equal(snapshot.pid, process.pid);
    const activations = snapshot.counters.filter((c) => c.name === 'fixture.activations');
    assert.deepEqual(activations.map((c) => c.attributes.plugin).sort(), [
      'fixture-a-app',
      'fixture-b-leaf',
      'fixture-m-mid',
      'fixture-z-base',
    ]);
    assert.ok(activations.every((c) => c.value === 1 && c.attributes.mode === mode));
  }
});
