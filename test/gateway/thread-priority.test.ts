/** The writer thread lowers its own scheduling priority, and only its own (Linux). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';

const moduleUrl = new URL('../../../plugins-workspace/ai-gateway/dist/recorder/thread-priority.js', import.meta.url)
  .href;

test(
  'lowerThisThreadPriority sets the calling thread to the given nice value, not the process',
  { skip: process.platform !== 'linux' && 'per-thread priority is Linux only' },
  async () => {
    const before = getPriority(process.pid);
    const code = `
    const { parentPort } = require('node:worker_threads');
    const { readlinkSync } = require('node:fs');
    const { getPriority } = require('node:os');
    import(${JSON.stringify(moduleUrl)}).then((m) => {
      const lowered = m.lowerThisThreadPriority(10);
      const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
      parentPort.postMessage({ lowered, nice: getPriority(tid) });
    });`;
    const result = await new Promise<{ lowered: boolean; nice: number }>((resolve, reject) => {
      const worker = new Worker(code, { eval: true });
      worker.once('message', (m: { lowered: boolean; nice: number }) => {
        void worker.terminate();
        resolve(m);
      });
      worker.once('error', reject);
    });
    assert.equal(result.lowered, true);
    assert.equal(result.nice, 10);
    assert.equal(getPriority(process.pid), before, 'the main thread keeps its priority');
  },
);
