import { test } from 'node:test';
import assert from 'node:assert/strict';
import { releaseShared, sharedBytes, sharedCopy } from '@hypaware/ai-gateway/internal/shared-slab.js';

test('shared copies never overlap: each keeps its own bytes across many blocks', () => {
  const copies: Array<{ copy: Uint8Array; fill: number; size: number }> = [];
  for (let i = 0; i < 2000; i++) {
    const size = 1 + ((i * 7919) % 20_000); // sizes that do not divide a block
    const fill = i % 251;
    copies.push({ copy: sharedCopy(Buffer.alloc(size, fill)), fill, size });
  }
  for (const { copy, fill, size } of copies) {
    assert.ok(copy.buffer instanceof SharedArrayBuffer);
    assert.equal(copy.byteLength, size);
    assert.equal(copy.byteOffset % 8, 0);
    assert.ok(
      copy.every((b) => b === fill),
      'a later copy overwrote this one',
    );
  }
  const blocks = new Set(copies.map((c) => c.copy.buffer));
  assert.ok(
    blocks.size < copies.length / 5,
    `${blocks.size} buffers for ${copies.length} copies: bodies should share blocks`,
  );
});

test('a large body gets a buffer of its own', () => {
  const big = sharedBytes(1024 * 1024);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 1024 * 1024);
  const small = sharedBytes(100);
  assert.notEqual(small.buffer, big.buffer);
});

test('a block whose bodies were all given back is filled again; a body still held is never overwritten', () => {
  const held = sharedCopy(Buffer.alloc(1000, 7));
  const released = Array.from({ length: 300 }, (_, i) => sharedCopy(Buffer.alloc(10_000, i % 251)));
  const firstBlocks = new Set(released.map((b) => b.buffer));
  for (const body of released) releaseShared(body);
  const again = Array.from({ length: 300 }, () => sharedCopy(Buffer.alloc(10_000, 9)));
  const reused = again.filter((b) => firstBlocks.has(b.buffer)).length;
  assert.ok(reused > again.length / 2, `only ${reused} of ${again.length} new bodies went to given-back blocks`);
  assert.ok(
    held.every((b) => b === 7),
    'a body never given back was overwritten',
  );
  for (const body of again) assert.ok(body.every((b) => b === 9));
});
