/**
 * Clients that go away mid-stream: the gateway aborts the upstream request, records the
 * exchange as aborted, and keeps no socket or memory behind (checked over 1,000 aborts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { readMemory } from '../helpers/proc-memory.js';
import { waitFor } from '../helpers/wait.js';
import { countRows, httpCall, openFds, protocolCall, startRig, unhandledErrors, type Rig } from './fault-rig.js';

const ABORTS = 1000;
const WARMUP = 100;
const CONCURRENCY = 20;
let rig: Rig;

before(async () => {
  rig = await startRig();
});

after(async () => {
  await rig?.stop();
});

/** Start a long stream, wait for its first bytes, then drop the connection. */
function abortAfterFirstChunk(origin: string, id: string): Promise<void> {
  // a 40 KB history: a gateway that kept aborted exchanges would grow by ~40 MB over the run
  const call = protocolCall(id.length % 2 === 0 ? 'anthropic' : 'openai', 'sse=50;interval=20', id, { bodyBytes: 40_000 });
  const url = new URL(call.path, origin);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { req.destroy(); reject(new Error(`no first chunk for ${id} within 10 s`)); }, 10_000);
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname + url.search, headers: call.headers, agent: false }, (res) => {
      res.once('data', () => {
        clearTimeout(timer);
        req.destroy();
        resolve();
      });
    });
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

const abortedRecorded = () => countRows(rig.daemon, "SELECT count(*) AS n FROM ai_gateway_exchanges WHERE aborted = 1 OR error = 'client_aborted'");

test(`${ABORTS} client aborts mid-stream: upstream aborted, exchanges recorded as aborted, no leak`, { timeout: 60_000 }, async () => {
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
  assert.equal(upstreamAborted.filter((r) => !r.aborted).length, 0, 'every upstream request must be aborted when its client goes away');

  const recorded = await waitFor(() => { const n = abortedRecorded(); return n >= WARMUP + ABORTS ? n : undefined; }, 'every abort to be recorded', 30_000);
  assert.equal(recorded, WARMUP + ABORTS);

  const fdsAfter = await waitFor(() => { const n = openFds(pid); return n <= fdsBefore + 8 ? n : undefined; }, 'sockets to be released', 10_000).catch(() => openFds(pid));
  assert.ok(fdsAfter <= fdsBefore + 8, `open descriptors grew from ${fdsBefore} to ${fdsAfter}`);
  const rssAfter = readMemory(pid).rssMb;
  assert.ok(rssAfter - rssBefore < 40, `RSS grew by ${(rssAfter - rssBefore).toFixed(1)} MB over ${ABORTS} aborts (from ${rssBefore.toFixed(1)} MB)`);

  const ok = await httpCall(rig.endpoint, protocolCall('anthropic', '', 'after-aborts'));
  assert.equal(ok.status, 200);
  assert.deepEqual(unhandledErrors(rig.daemon), []);
});
