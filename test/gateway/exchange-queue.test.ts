/**
 * The writer client's memory queue: a batch takes the oldest records up to a count and a
 * byte budget, and the queue's byte total follows what is taken.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExchangeQueue } from '@hypaware/ai-gateway/internal/handoff/exchange-queue.js';
import { makeRecord } from './gateway-fixtures.js';

/** A record whose request body is `bytes` long (no response body). */
function sized(bytes: number, path: string) {
  return makeRecord({ path, requestBody: Buffer.alloc(bytes, 0x61), responseBody: '' });
}

function queueOf(sizes: number[]): ExchangeQueue {
  const queue = new ExchangeQueue();
  sizes.forEach((size, i) => queue.pushBack(sized(size, `/r${i}`)));
  return queue;
}

test('take: the oldest records, at most the count asked for', () => {
  const queue = queueOf([10, 20, 30, 40]);
  const taken = queue.take(3);
  assert.deepEqual(
    taken.map((r) => r.path),
    ['/r0', '/r1', '/r2'],
  );
  assert.equal(queue.length, 1);
  assert.equal(queue.bytes, 40);
});

test('take: stops before the record that would pass the byte budget', () => {
  const queue = queueOf([100, 100, 100, 100]);
  const taken = queue.take(10, 250);
  assert.deepEqual(
    taken.map((r) => r.path),
    ['/r0', '/r1'],
  );
  assert.equal(queue.bytes, 200);
  // exactly at the budget is still within it
  assert.equal(queue.take(10, 200).length, 2);
  assert.equal(queue.bytes, 0);
});

test('take: a first record larger than the budget goes alone, never zero records', () => {
  const queue = queueOf([1000, 10, 10]);
  const taken = queue.take(10, 100);
  assert.deepEqual(
    taken.map((r) => r.path),
    ['/r0'],
  );
  assert.equal(queue.length, 2);
  assert.equal(queue.bytes, 20);
});

test('take: an empty queue gives an empty batch', () => {
  const queue = new ExchangeQueue();
  assert.deepEqual(queue.take(5, 10), []);
  assert.equal(queue.bytes, 0);
});
