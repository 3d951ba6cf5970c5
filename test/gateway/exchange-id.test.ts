/**
 * Exchange ids are UUIDv7-shaped: 32 hex characters whose first 48 bits are the arrival time,
 * so later exchanges sort after earlier ones (the indexes on exchange_id grow at their end).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newExchangeId } from '@hypaware/ai-gateway/internal/proxy/exchange-id.js';

const V7 = /^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/;

test('an exchange id is 32 hex characters laid out as a UUIDv7 carrying the arrival time', () => {
  const arrived = Date.parse('2026-12-03T19:46:35.123Z');
  const id = newExchangeId(arrived);
  assert.match(id, V7);
  assert.equal(Number.parseInt(id.slice(0, 12), 16), arrived);
  const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
  assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('ids of later arrivals sort after earlier ones, and ids of one millisecond differ', () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const ids = Array.from({ length: 2000 }, (_, i) => newExchangeId(start + Math.floor(i / 4)));
  for (let i = 4; i < ids.length; i++) assert.ok(ids[i - 4]! < ids[i]!, `${ids[i - 4]} sorts before ${ids[i]}`);
  assert.equal(new Set(ids).size, ids.length);
  // the random part is random: the 18 random hex characters after the time, version and variant vary
  const tails = new Set(ids.map((id) => id.slice(13, 16) + id.slice(17)));
  assert.equal(tails.size, ids.length);
});

test('an arrival that is not a Unix time in milliseconds is refused', () => {
  for (const bad of [-1, 1.5, 2 ** 48, Number.NaN])
    assert.throws(() => newExchangeId(bad), /exchange id: arrival .* is not a Unix time in milliseconds/);
  assert.match(newExchangeId(), V7);
});
