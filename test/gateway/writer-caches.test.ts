/**
 * The writer's cheap caches: the structural JSON comparison the identity memo uses instead of
 * serializing, and the two-generation set of stored ids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonSizeEstimate, sameJson } from '@hypaware/core';
import { RecentIds } from '@hypaware/ai-gateway/internal/recorder/recent-ids.js';

test('sameJson: equal parsed values are the same; any difference in value, order, type or length is not', () => {
  const text = '{"role":"user","content":[{"type":"text","text":"hi","n":1,"ok":true,"x":null},"s",[1,2]]}';
  assert.equal(sameJson(JSON.parse(text), JSON.parse(text)), true);
  const differing = [
    '{"role":"user","content":[{"type":"text","text":"hi!","n":1,"ok":true,"x":null},"s",[1,2]]}',
    '{"role":"user","content":[{"type":"text","text":"hi","n":2,"ok":true,"x":null},"s",[1,2]]}',
    '{"role":"user","content":[{"type":"text","text":"hi","n":1,"ok":false,"x":null},"s",[1,2]]}',
    '{"role":"user","content":[{"type":"text","text":"hi","n":1,"ok":true,"x":0},"s",[1,2]]}',
    '{"role":"user","content":[{"type":"text","text":"hi","n":1,"ok":true},"s",[1,2]]}',
    '{"role":"user","content":[{"text":"hi","type":"text","n":1,"ok":true,"x":null},"s",[1,2]]}',
    '{"role":"user","content":[{"type":"text","text":"hi","n":1,"ok":true,"x":null},"s",[1,2,3]]}',
    '{"role":"user","content":[{"type":"text","text":"hi","n":1,"ok":true,"x":null},"s",{"0":1,"1":2}]}',
    '{"role":"user","content":[{"type":"text","text":"hi","n":1,"ok":true,"x":null},"s"]}',
    '{"role":"user","content":[{"type":"text","text":"hi","n":"1","ok":true,"x":null},"s",[1,2]]}',
  ];
  for (const other of differing) assert.equal(sameJson(JSON.parse(text), JSON.parse(other)), false, other);
  assert.equal(sameJson({ a: undefined }, {}), false, 'a member JSON would drop still counts');
});

test('sameJson: nested objects of differing sizes are judged by every level, and a failed comparison does not sway the next', () => {
  const deep = (leaf: unknown) => ({ a: { b: { c: [{ d: leaf, e: { f: 1 } }] }, g: 2 }, h: 3 });
  assert.equal(sameJson(deep('x'), deep('x')), true);
  assert.equal(sameJson(deep('x'), deep('y')), false, 'a difference four levels down');
  assert.equal(sameJson({ a: 1 }, { a: 1, b: 2 }), false, 'b has a key more');
  assert.equal(sameJson({ a: 1, b: 2 }, { a: 1 }), false, 'a has a key more');
  assert.equal(sameJson({ a: { x: 1, y: 2 }, b: 1 }, { a: { x: 1 }, b: 1 }), false, 'an inner object shorter');
  // comparisons right after failed ones (at several depths) still judge equal values equal
  assert.equal(sameJson(deep({ k: 1 }), deep({ k: 1 })), true);
  assert.equal(sameJson({ p: deep(1), q: deep(2) }, { p: deep(1), q: deep(2) }), true);
  assert.equal(sameJson({ p: deep(1), q: deep(2) }, { p: deep(1), q: deep(3) }), false);
});

test('jsonSizeEstimate grows with the strings and the nodes a value holds', () => {
  const small = jsonSizeEstimate({ text: 'x' });
  assert.ok(jsonSizeEstimate({ text: 'x'.repeat(1000) }) >= small + 1998);
  assert.ok(jsonSizeEstimate([{ text: 'x' }, { text: 'x' }]) > 2 * small);
});

test('RecentIds: an id stays while used; unused ids go after two generations; delete forgets', () => {
  const ids = new RecentIds(4); // generations of 2
  ids.add('a');
  ids.add('b');
  ids.add('c'); // a, b become the older generation
  assert.equal(ids.has('a'), true); // a moves to the current generation (c, a)
  ids.add('d'); // (c, a) older, (d) current: b is gone
  assert.equal(ids.has('b'), false);
  assert.equal(ids.has('a'), true);
  assert.equal(ids.has('c'), true);
  ids.delete('c');
  assert.equal(ids.has('c'), false);
  assert.equal(ids.has('never'), false);
});
