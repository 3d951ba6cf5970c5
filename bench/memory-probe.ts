/**
 * Where the gateway daemon's resident memory is after fixed bursts: `--rounds` x `--requests`
 * closed-loop requests (32 connections, the benchmark's 20 KB sessions), each followed by the
 * writer storing all of them and `--idle` s of rest; then the RSS by kind of mapping from
 * /proc/<pid>/smaps: the node binary, `[heap]` (glibc's main arena), 256 KiB anonymous
 * mappings (V8's heap pages), other anonymous mappings (thread arenas, mmapped buffers).
 * A fixed count, unlike the throughput phase (whose RSS follows the burst's backlog).
 *
 * `--park-after MS` sets the gateway's `writer_park_after_ms` (0: the writer thread never parks;
 * default: the gateway's default, 30 s: use `--idle 35` or more to see the parked figure).
 *
 *   node build/bench/memory-probe.js [--rounds 2] [--requests 3000] [--idle 5] [--park-after MS]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForWriter } from './capture-phase.js';
import { startDriver } from './child-processes.js';
import type { ThroughputResult } from './load-tasks.js';
import { startTargets } from './targets.js';
import { residentByKind } from '../harness/proc-usage.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number`);
  return v;
}

const rounds = option('rounds', 2);
const requests = option('requests', 3000);
const idleS = option('idle', 5);
const parkAfter = process.argv.includes('--park-after') ? option('park-after', 0) : undefined;
const targets = await startTargets(
  parkAfter === undefined ? {} : { gatewayConfig: { writer_park_after_ms: parkAfter } },
);
const driver = startDriver();
try {
  const pid = targets.gatewayPid;
  console.log(JSON.stringify({ at: 'fresh', ...residentByKind(pid) }));
  for (let round = 1; round <= rounds; round++) {
    const r = await driver.run<ThroughputResult>({
      kind: 'requests',
      origin: targets.origin.gateway,
      count: requests,
      connections: 32,
      bodyBytes: 20_000,
    });
    targets.gatewayRequests += r.completed;
    const settled = await waitForWriter(targets);
    await sleep(idleS * 1000);
    console.log(
      JSON.stringify({
        at: `${round * requests} requests, ${idleS} s after the writer settled`,
        captured: settled.exchanges,
        ...residentByKind(pid),
      }),
    );
  }
} finally {
  await driver.stop();
  await targets.stop();
}
