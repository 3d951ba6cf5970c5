/**
 * How long one status-file write holds the calling thread, with and without fsync, while
 * another process keeps the disk busy (`dd oflag=direct`, bounded: 3 GB or the run's end).
 * The daemon's main thread (the proxy's) rewrites its status file every 5 s and its counter
 * snapshot every 2 s; this is why neither is fsynced nor written on that thread.
 *
 *   node build/bench/status-write-probe.js [--writes 40] [--no-load]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '@hypaware/core';
import { percentile, round } from './stats.js';

const i = process.argv.indexOf('--writes');
const writes = i < 0 ? 40 : Number(process.argv[i + 1]);
if (!Number.isInteger(writes) || writes < 1) throw new Error('--writes needs a positive integer');
const dir = mkdtempSync(join(tmpdir(), 'hyp-status-probe-'));
const load = process.argv.includes('--no-load')
  ? undefined
  : spawn('dd', ['if=/dev/zero', `of=${join(dir, 'load')}`, 'bs=1M', 'count=3000', 'oflag=direct'], {
      stdio: 'ignore',
    });
try {
  await sleep(500);
  const status = JSON.stringify({ state: 'running', pad: 'x'.repeat(4000) });
  for (const durable of [true, false, true, false]) {
    const ms: number[] = [];
    for (let n = 0; n < writes; n++) {
      const started = performance.now();
      writeFileAtomic(join(dir, 'daemon.status.json'), status, { durable });
      ms.push(performance.now() - started);
      await sleep(50);
    }
    ms.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        fsync: durable,
        disk_load: load !== undefined,
        median_ms: round(percentile(ms, 50), 2),
        p90_ms: round(percentile(ms, 90), 2),
        max_ms: round(ms[ms.length - 1]!, 2),
      }),
    );
  }
} finally {
  load?.kill();
  rmSync(dir, { recursive: true, force: true });
}
