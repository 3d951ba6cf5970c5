/** The kernel's LRU map: by count, and with a weight budget (the projectors' memos hold parsed histories). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '@hypaware/core';

test('beyond max entries the least recently used goes; a hit and a set count as a use', () => {
  const cache = new LruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  assert.equal(cache.get('a'), 1);
  cache.set('c', 3);
  assert.equal(cache.get('b'), undefined, 'b was the least recently used');
  assert.deepEqual([cache.get('a'), cache.get('c'), cache.size], [1, 3, 2]);
  cache.set('a', 10);
  cache.set('d', 4);
  assert.deepEqual([cache.get('c'), cache.get('a'), cache.get('d')], [undefined, 10, 4], 'setting refreshes too');
  cache.delete('a');
  assert.equal(cache.size, 1);
  cache.clear();
  assert.equal(cache.size, 0);
  assert.throws(() => new LruCache(0), TypeError);
});

test('with a weight budget: evicted while over it, least recent first; the newest stays', () => {
  const lru = new LruCache<string, { bytes: number }>(100, { max: 10, of: (v) => v.bytes, maxEach: 100 });
  lru.set('a', { bytes: 4 });
  lru.set('b', { bytes: 4 });
  assert.equal(lru.weight, 8);
  lru.set('c', { bytes: 4 });
  assert.equal(lru.get('a'), undefined, 'over 10: the least recent went');
  assert.equal(lru.weight, 8);
  lru.set('b', { bytes: 1 });
  assert.equal(lru.weight, 5, 'a replaced entry counts its new weight only');
  lru.set('huge', { bytes: 50 });
  assert.deepEqual([lru.size, lru.weight, lru.get('huge')?.bytes], [1, 50, 50], 'the newest stays alone');
  lru.delete('huge');
  assert.equal(lru.weight, 0);
  const strict = new LruCache<string, { bytes: number }>(100, { max: 10, of: (v) => v.bytes });
  strict.set('huge', { bytes: 50 });
  assert.equal(strict.size, 0, 'by default a value heavier than the whole budget is not kept');
});

test('a value heavier than maxEach is not kept, and the key forgets its older value', () => {
  const lru = new LruCache<string, { bytes: number }>(100, { max: 10, of: (v) => v.bytes, maxEach: 5 });
  lru.set('a', { bytes: 2 });
  lru.set('b', { bytes: 3 });
  lru.set('a', { bytes: 6 });
  assert.deepEqual([lru.get('a'), lru.get('b')?.bytes, lru.weight], [undefined, 3, 3]);
});
