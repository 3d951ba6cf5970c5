import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HypError } from '@hypaware/core';
import { tempDir } from '../../harness/repo.js';
import { bootFixtures, fixturePlugin } from './kernel-fixtures.js';

const bundled = fixturePlugin('gateway-world');

/** Boot with `text` as the config file and return the HypError it must throw. */
async function bootError(text: string): Promise<HypError> {
  const hypHome = tempDir('hyp-config-');
  const err = await bootFixtures({ bundled, config: text, hypHome }).then(
    async (b) => {
      await b.kernel.shutdown();
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.ok(err instanceof HypError, `expected a HypError, got ${String(err)}`);
  assert.equal(err.exitCode, 1);
  assert.ok(err.message.includes(join(hypHome, 'hypaware-config.json')), `names the file: ${err.message}`);
  assert.equal(err.message.includes('\n'), false, 'one line');
  return err;
}

test('no config file: embedded defaults, every plugin enabled', async (t) => {
  const { kernel, activations } = await bootFixtures({ bundled });
  t.after(() => kernel.shutdown());
  assert.equal(kernel.config.fromFile, false);
  assert.deepEqual(kernel.configIssues, []);
  assert.deepEqual(activations, ['fixture-fake-gateway', 'fixture-modern-adapter']);
});

test("malformed JSON is refused with the parser's reason", async () => {
  const err = await bootError('{"plugins": {"fixture-fake-gateway": {"enabled": false},}}');
  assert.match(err.message, /not valid JSON \(.+\)/);
});

test('the root must be an object', async () => {
  assert.match((await bootError('["plugins"]')).message, /\(root\): must be a JSON object/);
});

test('wrong types name the key and the problem', async () => {
  assert.match(
    (await bootError('{"plugins": []}')).message,
    /: plugins: must be an object mapping plugin names to their config$/,
  );
  assert.match(
    (await bootError('{"plugins": {"fixture-fake-gateway": true}}')).message,
    /: plugins\.fixture-fake-gateway: must be an object$/,
  );
  assert.match(
    (await bootError('{"plugins": {"fixture-fake-gateway": {"enabled": "no"}}}')).message,
    /: plugins\.fixture-fake-gateway\.enabled: must be true or false$/,
  );
  assert.match(
    (await bootError('{"plugin_dirs": "/opt/plugins"}')).message,
    /: plugin_dirs: must be an array of folder paths$/,
  );
  assert.match(
    (await bootError('{"plugin_dirs": ["/opt/a", 7]}')).message,
    /: plugin_dirs\[1\]: must be a non-empty string$/,
  );
  assert.match((await bootError('{"retention": 30}')).message, /: retention: must be an object$/);
});

test('an unknown top-level key is named, with the keys that exist; more problems are counted', async () => {
  const err = await bootError('{"plugin": {}, "plugins": [], "retention": 1}');
  assert.match(
    err.message,
    /: plugin: unknown key \(expected one of: plugins, plugin_dirs, retention, prices\) \(and 2 more\)$/,
  );
});

test('a config path that is a directory is refused', async () => {
  const hypHome = tempDir('hyp-config-');
  mkdirSync(join(hypHome, 'hypaware-config.json'));
  const err = await bootFixtures({ bundled, hypHome }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof HypError);
  assert.match(err.message, /hypaware-config\.json: is a directory, expected a JSON file/);
});

test('a config slice for a plugin that does not exist is a config issue naming it and the known plugins', async (t) => {
  const { kernel, activations } = await bootFixtures({
    bundled,
    config: { plugins: { '@acme/gatewy': { listen: '127.0.0.1:1' } } },
  });
  t.after(() => kernel.shutdown());
  assert.deepEqual(activations, ['fixture-fake-gateway', 'fixture-modern-adapter'], 'the others still activate');
  assert.deepEqual(kernel.configIssues, [
    {
      plugin: '@acme/gatewy',
      path: 'plugins.@acme/gatewy',
      message: 'no plugin named @acme/gatewy was found (known: fixture-fake-gateway, fixture-modern-adapter)',
    },
  ]);
});

test("a plugin's own validateConfig issues are reported under its name, and it is not activated", async (t) => {
  const { kernel, activations } = await bootFixtures({
    bundled,
    config: {
      plugin_dirs: [fixturePlugin('third-party', 'settings-checker')],
      plugins: { 'acme-settings-checker': { port: 'eighty', colour: 'red' } },
    },
  });
  t.after(() => kernel.shutdown());
  assert.equal(activations.includes('acme-settings-checker'), false);
  assert.deepEqual(
    kernel.configIssues.map((i) => `${i.plugin} | ${i.path} | ${i.message}`),
    [
      'acme-settings-checker | plugins.acme-settings-checker.colour | unknown key (expected: port, label)',
      'acme-settings-checker | plugins.acme-settings-checker.port | must be an integer from 1 to 65535',
    ],
  );
  const failed = kernel.failed.find((f) => f.name === 'acme-settings-checker');
  assert.equal(failed?.kind, 'config_invalid');
  assert.match(failed.message, /invalid config: plugins\.acme-settings-checker\.colour: unknown key/);
});

test("a valid slice reaches the plugin; plugin_dirs relative to the config file's folder", async (t) => {
  const hypHome = tempDir('hyp-config-');
  const { kernel, activations } = await bootFixtures({
    bundled,
    hypHome,
    config: {
      plugin_dirs: [relative(hypHome, fixturePlugin('third-party', 'settings-checker'))],
      plugins: { 'acme-settings-checker': { port: 8080, label: 'x' } },
    },
  });
  t.after(() => kernel.shutdown());
  assert.ok(activations.includes('acme-settings-checker'));
  assert.deepEqual(kernel.plugins.find((p) => p.name === 'acme-settings-checker')?.config, { port: 8080, label: 'x' });
  assert.deepEqual(kernel.config.pluginDirs, [fixturePlugin('third-party', 'settings-checker')]);
});

test('an unreadable config file is refused (not treated as missing)', async () => {
  const hypHome = tempDir('hyp-config-');
  // Tests run as root, so chmod 000 would not stop the read: a symlink loop is a read error
  // other than ENOENT that root gets too.
  const path = join(hypHome, 'hypaware-config.json');
  symlinkSync(path, path + '.loop');
  symlinkSync(path + '.loop', path);
  const err = await bootFixtures({ bundled, hypHome }).then(
    async (b) => {
      await b.kernel.shutdown();
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.ok(err instanceof HypError);
  assert.match(err.message, /hypaware-config\.json: cannot read \(ELOOP\)/);
});
