import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runHyp, startDaemon } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { configWithoutBundled, fixturePlugin, modeOf, writeConfig } from './kernel-fixtures.js';

/** Every path below `root` (excluding the config file the test wrote) with its mode. */
function modesBelow(root: string, skip: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const rel = relative(root, path);
      if (skip.includes(rel)) continue;
      out.set(rel, modeOf(path));
      if (lstatSync(path).isDirectory()) walk(path);
    }
  };
  walk(root);
  return out;
}

function assertOwnerOnly(modes: Map<string, number>, root: string): void {
  for (const [rel, mode] of modes) {
    const isDir = lstatSync(join(root, rel)).isDirectory();
    assert.equal(
      mode.toString(8),
      (isDir ? 0o700 : 0o600).toString(8),
      `${rel} is ${isDir ? 'a folder' : 'a file'} with mode ${mode.toString(8)}`,
    );
  }
}

/** Run `fn` with the process umask at 0, so modes must be set explicitly, not by umask luck. */
function withUmaskZero<T>(fn: () => T): T {
  const previous = process.umask(0);
  try {
    return fn();
  } finally {
    process.umask(previous);
  }
}

test('everything the daemon writes under HYP_HOME is owner-only, even with umask 0', async (t) => {
  const hypHome = join(tempDir('hyp-modes-'), 'home-not-yet-created');
  const config = configWithoutBundled({
    plugin_dirs: [fixturePlugin('third-party', 'ticker-source')],
    plugins: { 'acme-ticker': { interval_ms: 20 } },
  });
  // the child inherits the umask at spawn, which happens before startDaemon's first await
  const daemon = await withUmaskZero(() => startDaemon({ hypHome, config }));
  t.after(() => daemon.stop());
  await daemon.waitForLog('daemon.running');
  // a CLI process opens the database too (it may create the WAL side files)
  const q = await withUmaskZero(() => runHyp(['query', 'sql', 'SELECT 1'], { hypHome }));
  assert.equal(q.code, 0, q.stderr);

  const running = modesBelow(hypHome, ['hypaware-config.json']);
  for (const expected of [
    'hypaware',
    'hypaware/hypaware.db',
    'hypaware/logs',
    'hypaware/logs/hypaware.jsonl',
    'hypaware/daemon.pid',
    'hypaware/daemon.status.json',
    'hypaware/plugins',
    'hypaware/plugins/acme-ticker',
  ])
    assert.ok(running.has(expected), `${expected} exists while running (have: ${[...running.keys()].join(', ')})`);
  assertOwnerOnly(running, hypHome);

  const stopped = await daemon.stop();
  assert.equal(stopped.code, 0);
  const after = modesBelow(hypHome, ['hypaware-config.json']);
  assert.ok(after.has('hypaware/metrics/daemon.json'), 'counters persisted at stop');
  assertOwnerOnly(after, hypHome);
});

test('a CLI command on a fresh HYP_HOME creates owner-only files, even with umask 0', async () => {
  const hypHome = join(tempDir('hyp-modes-'), 'fresh');
  const r = await withUmaskZero(() => runHyp(['query', 'sql', 'SELECT 1'], { hypHome }));
  assert.equal(r.code, 0, r.stderr);
  const modes = modesBelow(hypHome, []);
  assert.ok(modes.has('hypaware/hypaware.db'));
  assertOwnerOnly(modes, hypHome);
  assert.equal(modeOf(hypHome), 0o700, 'HYP_HOME itself, created by hyp');
  assert.equal(existsSync(join(hypHome, 'hypaware-config.json')), false, 'no config is written');
});

test("the config file is the user's: its mode is left alone", async () => {
  const hypHome = tempDir('hyp-modes-');
  const path = writeConfig(hypHome, configWithoutBundled());
  const before = modeOf(path);
  const r = await runHyp(['status', '--json'], { hypHome });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(modeOf(path), before);
});
