/**
 * The database stops taking writes (the disk is full, or another process holds the write
 * lock): proxying goes on unchanged, the failure is logged and shown by `hyp status`, and
 * capture resumes once the condition clears.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import {
  countRows,
  httpCall,
  protocolCall,
  singleMessageCall,
  startRig,
  unhandledErrors,
  type Rig,
} from './fault-rig.js';

interface StatusJson {
  daemon: { sources: Array<{ name: string; state: string; message?: string; details?: Record<string, unknown> }> };
  diagnostics: Array<{ kind: string; level: string; message: string }>;
}

async function statusJson(rig: Rig): Promise<StatusJson> {
  const r = await runHyp(['status', '--json'], { hypHome: rig.daemon.hypHome });
  return JSON.parse(r.stdout) as StatusJson;
}

/**
 * The storage condition `hyp status` shows: degraded sources and storage diagnostics (not the
 * `recent_errors` log summary, which rightly keeps reporting the errors after recovery).
 */
function storageTrouble(s: StatusJson): string[] {
  const storage = /database|storage|disk|write|sqlite|full|locked|busy/i;
  return [
    ...s.daemon.sources
      .filter((src) => src.state === 'degraded' || src.state === 'failed')
      .map((src) => `source ${src.name} ${src.state}: ${src.message ?? ''}`),
    ...s.diagnostics
      .filter((d) => d.level !== 'info' && d.kind !== 'recent_errors' && storage.test(`${d.kind} ${d.message}`))
      .map((d) => `${d.kind}: ${d.message}`),
  ];
}

const recorded = (rig: Rig, prefix: string) =>
  countRows(rig.daemon, 'SELECT count(*) AS n FROM ai_gateway_exchanges WHERE instr(path, ?) > 0', `case=${prefix}`);

async function outage(
  rig: Rig,
  induce: () => void,
  clear: () => void,
  t: { diagnostic(msg: string): void },
): Promise<void> {
  for (let i = 0; i < 3; i++)
    assert.equal((await httpCall(rig.endpoint, protocolCall('openai', '', `before-${i}`))).status, 200);
  await waitFor(() => recorded(rig, 'before-') === 3, 'capture before the outage', 15_000);
  assert.deepEqual(storageTrouble(await statusJson(rig)), [], 'no storage trouble before the outage');
  const errorsBefore = rig.daemon.logLines().filter((l) => l.level === 'error').length;

  induce();
  for (let i = 0; i < 12; i++) {
    // incompressible 300 KB: the database must grow to store it
    const call = singleMessageCall('anthropic', i % 2 === 1 ? 'sse=5' : '', `during-${i}`, 300_000, true);
    const direct = await httpCall(rig.upstream.url, call);
    const proxied = await httpCall(rig.endpoint, call);
    assert.equal(
      proxied.status,
      200,
      `request ${i} during the outage: ${proxied.error ?? proxied.body.toString().slice(0, 200)}`,
    );
    assert.equal(proxied.error, null);
    assert.deepEqual(proxied.body, direct.body, 'proxying is unaffected by the storage failure');
  }
  const logged = await waitFor(
    () =>
      rig.daemon
        .logLines()
        .filter((l) => l.level === 'error')
        .slice(errorsBefore)[0] ??
      (/(error|ERROR).*(database|SQLITE|disk|full|locked)/.test(rig.daemon.stderrText())
        ? { event: 'stderr' }
        : undefined),
    'the storage failure to be logged',
    20_000,
  );
  t.diagnostic(`logged: ${JSON.stringify(logged).slice(0, 300)}`);
  const trouble = await waitFor(
    async () => {
      const s = storageTrouble(await statusJson(rig));
      return s.length > 0 ? s : undefined;
    },
    'hyp status to show the storage condition',
    20_000,
  );
  t.diagnostic(`hyp status: ${trouble.join(' | ')}`);

  clear();
  for (let i = 0; i < 3; i++)
    assert.equal((await httpCall(rig.endpoint, protocolCall('openai', '', `after-${i}`))).status, 200);
  await waitFor(() => recorded(rig, 'after-') === 3, 'capture to resume after the condition cleared', 30_000);
  t.diagnostic(`exchanges from the outage recorded after recovery: ${recorded(rig, 'during-')} of 12`);
  await waitFor(
    async () => storageTrouble(await statusJson(rig)).length === 0 || undefined,
    'hyp status to clear the condition',
    20_000,
  );
  assert.deepEqual(unhandledErrors(rig.daemon), []);
}

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = tempDir('hyp-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

test(
  'disk full under the database: proxying unaffected, logged, shown, capture resumes',
  { timeout: 90_000, skip: canMount() ? false : 'needs root to mount a small tmpfs' },
  async (t) => {
    const disk = tempDir('hyp-full-disk-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', disk]);
    const hypHome = tempDir('hyp-full-home-');
    let rig: Rig | undefined;
    try {
      // only the database (and its -wal/-shm, which SQLite puts next to the link's target) is on the small disk
      mkdirSync(join(hypHome, 'hypaware'), { recursive: true, mode: 0o700 });
      symlinkSync(join(disk, 'hypaware.db'), join(hypHome, 'hypaware', 'hypaware.db'));
      rig = await startRig({ hypHome });
      const filler = join(disk, 'filler');
      await outage(
        rig,
        () => {
          const fd = openSync(filler, 'w');
          const block = Buffer.alloc(64 * 1024, 1);
          try {
            for (let i = 0; i < 1024; i++) writeSync(fd, block);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          } finally {
            closeSync(fd);
          }
        },
        () => unlinkSync(filler),
        t,
      );
    } finally {
      await rig?.stop();
      execFileSync('umount', ['-l', disk]);
      rmSync(disk, { recursive: true, force: true });
      rmSync(hypHome, { recursive: true, force: true });
    }
  },
);

test(
  'database write-locked by another process: proxying unaffected, logged, shown, capture resumes',
  { timeout: 90_000 },
  async (t) => {
    const rig = await startRig({ env: { HYP_DB_BUSY_TIMEOUT_MS: '200' } });
    let holder: Database.Database | undefined;
    try {
      await outage(
        rig,
        () => {
          holder = new Database(join(rig.daemon.hypHome, 'hypaware', 'hypaware.db'));
          holder.exec('BEGIN EXCLUSIVE');
        },
        () => {
          holder!.exec('ROLLBACK');
          holder!.close();
          holder = undefined;
        },
        t,
      );
    } finally {
      holder?.close();
      await rig.stop();
    }
  },
);
