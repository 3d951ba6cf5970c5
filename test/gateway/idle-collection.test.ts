import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdleCollection } from '@hypaware/ai-gateway/internal/recorder/idle-collection.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('collects once after enough work and a quiet spell, not after a trickle', async () => {
  let collections = 0;
  const idle = new IdleCollection(30, 10, () => collections++);
  idle.worked(4);
  await wait(80);
  assert.equal(collections, 0, 'below the work threshold');
  idle.worked(6);
  idle.worked(1);
  await wait(300);
  assert.equal(collections, 1);
  idle.worked(3);
  await wait(80);
  assert.equal(collections, 1, 'the count starts again after a collection');
  idle.worked(20);
  idle.stop();
  await wait(80);
  assert.equal(collections, 1, 'nothing after stop');
});
