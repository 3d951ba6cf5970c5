import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HypError } from '@hypaware/core';
import { runHyp } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { bootFixtures, configWithoutBundled, fixturePlugin, writeConfig } from './kernel-fixtures.js';

const FAST_BUSY = { HYP_DB_BUSY_TIMEOUT_MS: '50' };
const bundled = fixturePlugin('gateway-world');
const dbPath = (hypHome: string) => join(hypHome, 'hypaware', 'hypaware.db');

/** A HYP_HOME whose config disables the bundled plugins (for `hyp` processes). */
function cliHome(): string {
  const hypHome = tempDir('hyp-storage-');
  writeConfig(hypHome, configWithoutBundled());
  return hypHome;
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  assert.match(stderr, /^hyp: [^\n]*\n$/, `one line on stderr: ${JSON.stringify(stderr)}`);
  assert.match(stderr, pattern);
}

test('a database file that is not SQLite: a clear error, and the file is left as it was', async (t) => {
  const hypHome = tempDir('hyp-storage-');
  mkdirSync(join(hypHome, 'hypaware'), { recursive: true });
  const junk = 'these are my notes, not a database\n'.repeat(20);
  writeFileSync(dbPath(hypHome), junk);
  const { kernel } = await bootFixtures({ bundled, hypHome });
  t.after(() => kernel.shutdown());
  assert.throws(
    () => kernel.database(),
    (err: unknown) => {
      assert.ok(err instanceof HypError);
      assert.match(err.message, /hypaware\.db is not a SQLite database; move it aside/);
      return true;
    },
  );
  assert.equal(readFileSync(dbPath(hypHome), 'utf8'), junk);
});

test('hyp query sql / hyp status over a database that is not SQLite', async () => {
  const hypHome = cliHome();
  mkdirSync(join(hypHome, 'hypaware'), { recursive: true });
  writeFileSync(dbPath(hypHome), 'x'.repeat(4096));
  const q = await runHyp(['query', 'sql', 'SELECT 1'], { hypHome });
  assert.equal(q.code, 1);
  assertOneLine(q.stderr, /is not a SQLite database/);
  const s = await runHyp(['status', '--json'], { hypHome });
  assert.equal(s.code, 0, s.stderr);
  const report = JSON.parse(s.stdout) as { diagnostics: Array<{ kind: string; message: string }> };
  assert.ok(
    report.diagnostics.some((d) => d.kind === 'database_error' && /not a SQLite database/.test(d.message)),
    s.stdout,
  );
  assert.equal(readFileSync(dbPath(hypHome), 'utf8'), 'x'.repeat(4096));
});

/** Create the kernel's database, then hold it with an exclusive lock from another connection. */
async function lockedDatabase(hypHome: string): Promise<Database.Database> {
  const { kernel } = await bootFixtures({ bundled, hypHome });
  kernel.database().exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept')");
  await kernel.shutdown();
  const holder = new Database(dbPath(hypHome));
  holder.pragma('locking_mode = EXCLUSIVE');
  holder.exec("BEGIN EXCLUSIVE; INSERT INTO notes VALUES ('pending')");
  return holder;
}

test('a locked database: a clear error after the busy timeout; once released, nothing is lost', async () => {
  const hypHome = tempDir('hyp-storage-');
  const holder = await lockedDatabase(hypHome);
  try {
    const { kernel } = await bootFixtures({ bundled, hypHome, env: FAST_BUSY });
    try {
      assert.throws(
        () => kernel.database(),
        (err: unknown) => {
          assert.ok(err instanceof HypError, String(err));
          assert.match(err.message, /hypaware\.db is locked by another process; stop it or retry in a moment/);
          return true;
        },
      );
    } finally {
      await kernel.shutdown();
    }
    holder.exec('COMMIT');
  } finally {
    holder.close();
  }
  const { kernel } = await bootFixtures({ bundled, hypHome });
  try {
    assert.deepEqual(kernel.database().prepare('SELECT body FROM notes ORDER BY rowid').pluck().all(), [
      'kept',
      'pending',
    ]);
  } finally {
    await kernel.shutdown();
  }
});

test('another process in a write transaction: a boot with unchanged datasets still opens; a migration reports the lock', async () => {
  const hypHome = tempDir('hyp-storage-');
  const owner = fixturePlugin('third-party', 'dataset-owner');
  const spec = (columns: string[]) => ({
    plugin_dirs: [owner],
    plugins: {
      'acme-dataset-owner': {
        dataset: {
          name: 'acme_log',
          description: 'fixture',
          primaryTime: 'ts',
          columns: columns.map((name) => ({ name, type: 'string' })),
        },
      },
    },
  });
  const first = await bootFixtures({ bundled, hypHome, config: spec(['ts', 'line']) });
  first.kernel.database();
  await first.kernel.shutdown();
  const writer = new Database(dbPath(hypHome));
  writer.exec("BEGIN IMMEDIATE; INSERT INTO acme_log VALUES ('2026-01-01', 'in flight')");
  try {
    const same = await bootFixtures({ bundled, hypHome, config: spec(['ts', 'line']), env: FAST_BUSY });
    try {
      assert.deepEqual(
        same.kernel.database().prepare('SELECT count(*) FROM acme_log').pluck().get(),
        0,
        'readers are not blocked in WAL mode',
      );
    } finally {
      await same.kernel.shutdown();
    }
    const changed = await bootFixtures({ bundled, hypHome, config: spec(['ts', 'line', 'level']), env: FAST_BUSY });
    try {
      assert.throws(
        () => changed.kernel.database(),
        (err: unknown) => err instanceof HypError && /is locked by another process/.test(err.message),
      );
    } finally {
      await changed.kernel.shutdown();
    }
    writer.exec('COMMIT');
  } finally {
    writer.close();
  }
  const after = await bootFixtures({ bundled, hypHome, config: spec(['ts', 'line', 'level']) });
  try {
    assert.deepEqual(after.kernel.database().prepare('SELECT line, level FROM acme_log').all(), [
      { line: 'in flight', level: null },
    ]);
  } finally {
    await after.kernel.shutdown();
  }
});

test('hyp query sql on a locked database: one line, exit 1', async () => {
  const hypHome = cliHome();
  const holder = await lockedDatabase(hypHome);
  try {
    const r = await runHyp(['query', 'sql', 'SELECT count(*) FROM notes'], { hypHome, env: FAST_BUSY });
    assert.equal(r.code, 1, r.stderr);
    assertOneLine(r.stderr, /is locked by another process/);
  } finally {
    holder.close();
  }
});

test('a database path that is a directory cannot be opened: a clear error', async (t) => {
  const hypHome = tempDir('hyp-storage-');
  mkdirSync(dbPath(hypHome), { recursive: true });
  const { kernel } = await bootFixtures({ bundled, hypHome });
  t.after(() => kernel.shutdown());
  assert.throws(() => kernel.database(), /hypaware\.db cannot be opened .*; check that HYP_HOME is writable/);
});

// Tests run as root here, where chmod 0500 does not stop writes. A HYP_HOME below a regular
// file cannot be created by anyone, root included, so that is the case always tested; the
// chmod case runs only for a non-root user.
test('HYP_HOME that cannot be created (a path below a regular file)', async () => {
  const base = tempDir('hyp-storage-');
  writeFileSync(join(base, 'a-file'), 'not a folder');
  const hypHome = join(base, 'a-file', 'hyp');
  const err = await bootFixtures({ bundled, hypHome }).then(
    async (b) => {
      await b.kernel.shutdown();
      return undefined;
    },
    (e: unknown) => e,
  );
  assert.ok(err instanceof HypError, String(err));
  assert.match(err.message, /^HYP_HOME .*a-file\/hyp is not writable \(ENOTDIR\); set HYP_HOME to a folder you own$/);

  const q = await runHyp(['query', 'sql', 'SELECT 1'], { hypHome });
  assert.equal(q.code, 1);
  assertOneLine(q.stderr, /HYP_HOME .* is not writable/);
  const s = await runHyp(['status', '--json'], { hypHome });
  assert.equal(s.code, 0, s.stderr);
  const report = JSON.parse(s.stdout) as {
    config: { valid: boolean };
    diagnostics: Array<{ kind: string; level: string; message: string }>;
  };
  const diag = report.diagnostics.find((d) => d.kind === 'hyp_home_unwritable');
  assert.equal(diag?.level, 'error', s.stdout);
  assert.match(diag.message, /is not writable/);
  assert.equal(report.config.valid, true, 'the config itself is fine (absent)');
});

test(
  'HYP_HOME without write permission (non-root only)',
  { skip: process.getuid?.() === 0 ? 'running as root: permission bits do not stop root' : false },
  async () => {
    const hypHome = tempDir('hyp-storage-');
    chmodSync(hypHome, 0o500);
    try {
      const err = await bootFixtures({ bundled, hypHome }).then(
        async (b) => {
          await b.kernel.shutdown();
          return undefined;
        },
        (e: unknown) => e,
      );
      assert.ok(err instanceof HypError, String(err));
      assert.match(err.message, /is not writable \((EACCES|EPERM)\)/);
    } finally {
      chmodSync(hypHome, 0o700);
    }
  },
);
