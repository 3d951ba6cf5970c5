/**
 * What the kernel offers a plugin's own worker thread and the plugins that feed it: manifest
 * sections passed through unread (`contributions`), the kernel's log, counters and database
 * without a second kernel (`workerServices`). The shared LRU cache: lru-cache.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerServices, type ActivationContext } from '@hypaware/core';
import type Database from 'better-sqlite3';
import { tempDir } from '../../harness/repo.js';
import { bootFixtures, modeOf } from './kernel-fixtures.js';

declare global {
  var __hypContributionHost: ActivationContext | undefined;
}

function plugin(dir: string, manifest: Record<string, unknown>, source: string): void {
  const root = join(dir, String(manifest.name));
  mkdirSync(root, { recursive: true });
  writeFileSync(
    join(root, 'hypaware.plugin.json'),
    JSON.stringify({ version: '1.0.0', main: 'index.js', provides: {}, requires: {}, ...manifest }),
  );
  writeFileSync(join(root, 'index.js'), source);
}

test('contributions: the sections active plugins address to a key, unread, with their config slice and state dir, in activation order', async () => {
  const bundled = tempDir('hyp-contrib-plugins-');
  plugin(
    bundled,
    { name: 'host', provides: { 'test.host': '1.0.0' } },
    `export function activate(ctx) { ctx.provideCapability('test.host', '1.0.0', {}); globalThis.__hypContributionHost = ctx; }\n`,
  );
  plugin(
    bundled,
    {
      name: 'zeta',
      requires: { 'test.host': '^1.0.0' },
      contributes: { 'test.host': { modules: ['z.js'], n: 1 }, other: true },
    },
    'export function activate() {}\n',
  );
  plugin(
    bundled,
    { name: 'alpha', requires: { 'test.host': '^1.0.0' }, contributes: { 'test.host': 'a.js' } },
    'export function activate() {}\n',
  );
  plugin(bundled, { name: 'silent', requires: { 'test.host': '^1.0.0' } }, 'export function activate() {}\n');
  plugin(
    bundled,
    { name: 'failing', requires: { 'test.host': '^1.0.0' }, contributes: { 'test.host': 'f.js' } },
    `export function activate() { throw new Error('no'); }\n`,
  );
  plugin(bundled, { name: 'malformed', contributes: ['test.host'] }, 'export function activate() {}\n');
  const { kernel, hypHome } = await bootFixtures({
    bundled,
    config: { plugins: { zeta: { colour: 'teal' } } },
    mode: 'daemon',
  });
  try {
    const host = globalThis.__hypContributionHost!;
    const got = host.contributions('test.host');
    assert.deepEqual(
      got.map((c) => [c.plugin.name, c.value]),
      [
        ['alpha', 'a.js'],
        ['zeta', { modules: ['z.js'], n: 1 }],
      ],
    );
    const zeta = got[1]!;
    assert.deepEqual(zeta.config, { colour: 'teal' });
    assert.equal(zeta.plugin.version, '1.0.0');
    assert.equal(zeta.plugin.rootDir, join(bundled, 'zeta'));
    assert.equal(zeta.stateDir, join(hypHome, 'hypaware', 'plugins', 'zeta'));
    (zeta.value as { n: number }).n = 2;
    assert.deepEqual(
      host.contributions('test.host')[1]!.value,
      { modules: ['z.js'], n: 1 },
      'each call hands out a copy',
    );
    assert.deepEqual(host.contributions('nobody'), []);
    assert.match(
      kernel.failed.find((f) => f.name.endsWith('malformed'))?.message ?? '',
      /"contributes" must be an object/,
    );
  } finally {
    globalThis.__hypContributionHost = undefined;
    await kernel.shutdown();
  }
});

test('workerServices: tagged lines in the kernel log, counters under the role, the database opened the kernel way', async () => {
  const hypHome = tempDir('hyp-worker-services-');
  assert.throws(() => workerServices({ hypHome, role: 'daemon' }), /role daemon is the kernel's own/);
  const services = workerServices({
    hypHome,
    role: 'test-writer',
    env: { HYP_DB_BUSY_TIMEOUT_MS: '123', HYP_LOG_LEVEL: 'info' },
  });
  const log = services.logger({ mode: 'test-writer', plugin: 'p' });
  log.debug('test.hidden', {});
  log.info('test.line', { n: 1 });
  services.meter({ plugin: 'p' }).counter('test.count').add(2, { k: 'v' });
  const db = services.openDatabase<Database.Database>();
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('busy_timeout', { simple: true }), 123);
    assert.equal(db.pragma('synchronous', { simple: true }), 1);
    assert.ok(Number(db.pragma('user_version', { simple: true })) >= 1, 'kernel schema migrated');
  } finally {
    db.close();
  }
  services.close();
  const dbPath = join(hypHome, 'hypaware', 'hypaware.db');
  assert.equal(modeOf(dbPath), 0o600);
  const lines = readFileSync(join(hypHome, 'hypaware', 'logs', 'hypaware.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => [l.event, l.level, l.mode, l.plugin, l.n]),
    [['test.line', 'info', 'test-writer', 'p', 1]],
  );
  const snapshot = join(hypHome, 'hypaware', 'metrics', 'test-writer.json');
  assert.ok(existsSync(snapshot));
  const counters = (
    JSON.parse(readFileSync(snapshot, 'utf8')) as {
      counters: Array<{ name: string; attributes: Record<string, unknown>; value: number }>;
    }
  ).counters;
  assert.deepEqual(counters, [{ name: 'test.count', attributes: { plugin: 'p', k: 'v' }, value: 2 }]);
});
