/**
 * Clients that go away mid-stream: the gateway aborts the upstream request, records the
 * exchange as aborted, and keeps no socket or memory behind (checked over 1,000 aborts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { readMemory } from '../../harness/proc-usage.js';
import { waitFor } from '../../harness/wait.js';
import {
  countRows,
  httpCall,
  openFds,
  protocolCall,
  singleMessageCall,
  startRig,
  unhandledErrors,
  type Rig,
} from './fault-rig.js';

const ABORTS = 1000;
const WARMUP = 300;
const CONCURRENCY = 20;
let rig: Rig;

before(async () => {
  // a constrained heap (and few malloc arenas) make the daemon collect instead of growing, so
  // its RSS follows what it really holds; a gateway that kept exchanges would exceed this heap
  rig = await startRig({ env: { NODE_OPTIONS: '--max-old-space-size=64', MALLOC_ARENA_MAX: '2' } });
});

after(async () => {
  await rig?.stop();
});

/** Start a long stream, wait for its first bytes, then drop the connection. */
function abortAfterFirstChunk(origin: string, id: string): Promise<void> {
  // a 100 KB message: a gateway that kept aborted exchanges would grow by 100 MB or more over the run
  const call = singleMessageCall(id.length % 2 === 0 ? 'anthropic' : 'openai', 'sse=50;interval=20', id, 100_000);
  const url = new URL(call.path, origin);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no first chunk for ${id} within 10 s`));
    }, 10_000);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: url.pathname + url.search,
        headers: call.headers,
        agent: false,
      },
      (res) => {
        res.once('data', () => {
          clearTimeout(timer);
          req.destroy();
          resolve();
        });
      },
    );
    req.on('error', () => undefined);
    req.end(call.body);
  });
}

async function abortMany(count: number, prefix: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await abortAfterFirstChunk(rig.endpoint, `${prefix}-${next++}`);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const abortedRecorded = () =>
  countRows(rig.daemon, "SELECT count(*) AS n FROM ai_gateway_exchanges WHERE aborted = 1 OR error = 'client_aborted'");

test(
  `${ABORTS} client aborts mid-stream: upstream aborted, exchanges recorded as aborted, no leak`,
  { timeout: 180_000 },
  async (t) => {
    const pid = rig.daemon.proc.pid!;
    await abortMany(WARMUP, 'warm');
    await waitFor(() => abortedRecorded() >= WARMUP, 'the warm-up aborts to be recorded', 20_000);
    await waitFor(() => rig.upstream.open() === 0, 'the upstream to see every warm-up request closed', 10_000);
    const fdsBefore = openFds(pid);
    const rssBefore = readMemory(pid).rssMb;

    await abortMany(ABORTS, 'abort');

    await waitFor(() => rig.upstream.open() === 0, 'the upstream to see every aborted request closed', 20_000);
    const upstreamAborted = rig.upstream.records.filter((r) => String(r.headers['x-fake-id']).startsWith('abort-'));
    assert.equal(upstreamAborted.length, ABORTS, 'every stream reached the upstream');
    assert.equal(
      upstreamAborted.filter((r) => !r.aborted).length,
      0,
      'every upstream request must be aborted when its client goes away',
    );

    const recorded = await waitFor(
      () => {
        const n = abortedRecorded();
        return n >= WARMUP + ABORTS ? n : undefined;
      },
      'every abort to be recorded',
      30_000,
    );
    assert.equal(recorded, WARMUP + ABORTS);

    const fdsAfter = await waitFor(
      () => {
        const n = openFds(pid);
        return n <= fdsBefore + 8 ? n : undefined;
      },
      'sockets to be released',
      10_000,
    ).catch(() => openFds(pid));
    assert.ok(fdsAfter <= fdsBefore + 8, `open descriptors grew from ${fdsBefore} to ${fdsAfter}`);
    // the gateway holds nothing of a finished exchange: no proxy-side exchange, nothing queued for the writer
    const nothingHeld = () =>
      waitFor(
        () => {
          const details = rig.daemon.status().sources.find((s) => s.details?.writer)?.details as
            { in_flight?: number; writer?: { queued?: number; in_flight?: number } } | undefined;
          return details && details.in_flight === 0 && details.writer?.queued === 0 && details.writer?.in_flight === 0
            ? details
            : undefined;
        },
        'the daemon status to show nothing in flight or queued',
        15_000,
      );
    const held = await nothingHeld();
    assert.equal(held.in_flight, 0);
    const rssAfter = readMemory(pid).rssMb;
    t.diagnostic(
      `daemon RSS ${rssBefore.toFixed(1)} MB after the warm-up, ${rssAfter.toFixed(1)} MB after ${ABORTS} aborts (100 MB of request bodies)`,
    );
    // The first round's RSS growth is mostly allocator churn of the two threads (40-82 MB seen
    // on a loaded 2-core machine), so it is only reported. A leak grows with every abort and
    // churn does not repeat: a later, identical round must add far less than the 100 MB of
    // bodies it carries. One such round has been seen to add 55 MB (collection timing), so a
    // round over the bound gets one more: a leak grows by ~100 MB in each.
    let previous = rssAfter;
    const growth: number[] = [];
    for (let round = 2; round <= 3; round++) {
      await abortMany(ABORTS, `round${round}`);
      await waitFor(
        () => abortedRecorded() >= WARMUP + round * ABORTS || undefined,
        `round ${round} to be recorded`,
        30_000,
      );
      await nothingHeld();
      const rss = readMemory(pid).rssMb;
      t.diagnostic(`daemon RSS ${rss.toFixed(1)} MB after round ${round} of ${ABORTS} aborts`);
      growth.push(rss - previous);
      previous = rss;
      if (growth[growth.length - 1]! < 50) break;
    }
    assert.ok(
      growth.some((g) => g < 50),
      `RSS grew by ${growth.map((g) => g.toFixed(1)).join(' and ')} MB over rounds of ${ABORTS} aborts (a leak would hold 100 MB each)`,
    );

    const ok = await httpCall(rig.endpoint, protocolCall('anthropic', '', 'after-aborts'));
    assert.equal(ok.status, 200);
    assert.deepEqual(unhandledErrors(rig.daemon), []);
  },
);

/** nice value of each thread of a process (field 19 of /proc/<pid>/task/<tid>/stat) */
function threadNices(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}

test(
  'capture work runs below the proxy: the writer thread is niced, the event loop is not',
  { skip: process.platform !== 'linux' && 'Linux only' },
  () => {
    const pid = rig.daemon.proc.pid!;
    const nices = threadNices(pid);
    assert.equal(nices.get(pid), 0, 'the proxy thread keeps normal priority');
    assert.ok([...nices.values()].includes(10), `no niced writer thread among ${JSON.stringify([...nices])}`);
  },
);
