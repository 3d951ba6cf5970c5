/** Re-checks give way to fresh exchanges (deferred while the writer is busy, never forever) and run one at a time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecheckQueue } from '@hypaware/ai-gateway/internal/recorder/recheck-queue.js';
import { waitFor } from '../../harness/wait.js';

test('a due re-check waits while the writer is busy and runs once it is not', async () => {
  let busy = true;
  const ran: string[] = [];
  const queue = new RecheckQueue<string>(
    async (item) => {
      ran.push(item);
    },
    { maxItems: 10, maxDelayMs: 1000, deferWhile: () => busy, deferMs: 5 },
  );
  queue.schedule('a', 'a', 0);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(ran, [], 'deferred while busy');
  assert.equal(queue.size, 1, 'still pending');
  busy = false;
  await waitFor(() => ran.length === 1, 'the re-check to run once idle', 2000);
  assert.deepEqual(ran, ['a']);
  assert.equal(queue.size, 0);
});

test('a re-check deferred past maxDeferMs runs even though the writer stays busy', async () => {
  const ran: string[] = [];
  const queue = new RecheckQueue<string>(
    async (item) => {
      ran.push(item);
    },
    { maxItems: 10, maxDelayMs: 1000, deferWhile: () => true, deferMs: 5, maxDeferMs: 30 },
  );
  queue.schedule('b', 'b', 0);
  await waitFor(() => ran.length === 1, 'the re-check to run after its deferral bound', 2000);
  assert.deepEqual(ran, ['b']);
});

test('due re-checks run one at a time, even when they all fall due together', async () => {
  let running = 0;
  let most = 0;
  let done = 0;
  const queue = new RecheckQueue<number>(
    async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      done++;
    },
    { maxItems: 100, maxDelayMs: 1000 },
  );
  for (let i = 0; i < 20; i++) queue.schedule(`k${i}`, i, 0);
  await waitFor(() => done === 20, 'all re-checks to run', 5000);
  assert.equal(most, 1);
});
