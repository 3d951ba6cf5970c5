/**
 * Stored request bodies reuse the compressed bytes of the conversation's previous request:
 * every output must still be a plain gzip of the whole body (read back by gunzip, whole and
 * streamed), whatever the previous body was, and an agent-like conversation must compress
 * only what is new in a turn.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { SeededRandom } from '../../harness/seeded-random.js';
import { SEGMENT_BYTES, SegmentedGzip } from '@hypaware/ai-gateway/internal/recorder/segmented-gzip.js';

function random(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.next();
}

function words(rand: () => number, count: number): string {
  const vocabulary = ['the', 'file', 'function', 'returns', 'value', 'test', 'error', 'const', 'import', 'module'];
  return Array.from({ length: count }, () => vocabulary[Math.floor(rand() * vocabulary.length)]).join(' ');
}

/** A Messages request the way an agent sends turn `turns`: history, cache marker on the last message, then system and tools. */
function agentBody(history: string[], system: string, tools: string): Buffer {
  const messages = history.map((text, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: [{ type: 'text', text, ...(i === history.length - 1 ? { cache_control: { type: 'ephemeral' } } : {}) }],
  }));
  return Buffer.from(JSON.stringify({ model: 'claude-test', messages, system, tools, max_tokens: 1024, stream: true }));
}

async function streamedGunzip(gz: Buffer): Promise<Buffer> {
  return buffer(Readable.from([gz.subarray(0, 7), gz.subarray(7)]).pipe(createGunzip()));
}

test('an agent conversation: every turn reads back whole, and only what is new is compressed', async () => {
  const rand = random(7);
  const system = words(rand, 3000);
  const tools = JSON.stringify(
    Array.from({ length: 20 }, (_, i) => ({ name: `tool_${i}`, description: words(rand, 200) })),
  );
  const gzip = new SegmentedGzip();
  const history: string[] = [];
  let bodyBytes = 0;
  let plainSize = 0;
  let size = 0;
  for (let turn = 0; turn < 40; turn++) {
    history.push(words(rand, 50 + Math.floor(rand() * 400)));
    const body = agentBody(history, system, tools);
    const before = gzip.stats.deflatedBytes;
    const gz = gzip.compress(body, 'conversation-1');
    assert.ok(gunzipSync(gz).equals(body), `turn ${turn}: gunzip gives the body back`);
    assert.ok((await streamedGunzip(gz)).equals(body), `turn ${turn}: streamed gunzip gives the body back`);
    if (turn > 0) {
      // the new message, the previous one (its cache marker moved) and at most one segment around them
      const newBytes = Buffer.byteLength(history.at(-1)!) + Buffer.byteLength(history.at(-2)!);
      assert.ok(
        gzip.stats.deflatedBytes - before <= newBytes + 2 * SEGMENT_BYTES,
        `turn ${turn}: deflated ${gzip.stats.deflatedBytes - before} bytes for ~${newBytes} new`,
      );
    }
    bodyBytes += body.length;
    plainSize += gzipSync(body, { level: 1 }).length;
    size += gz.length;
  }
  assert.ok(gzip.stats.deflatedBytes < bodyBytes * 0.35, `deflated ${gzip.stats.deflatedBytes} of ${bodyBytes}`);
  assert.ok(gzip.stats.reusedBytes > bodyBytes * 0.6, `reused ${gzip.stats.reusedBytes} of ${bodyBytes}`);
  assert.ok(size < plainSize * 1.15, `stored ${size} bytes vs ${plainSize} for one-piece gzip`);
});

test('whatever the previous body under a key was, the output is the gzip of this body', () => {
  const rand = random(11);
  const gzip = new SegmentedGzip();
  let body = Buffer.from(words(rand, 20_000));
  for (let i = 0; i < 300; i++) {
    const at = Math.floor(rand() * body.length);
    const kind = Math.floor(rand() * 6);
    if (kind === 0)
      body = Buffer.concat([
        body.subarray(0, at),
        Buffer.from(words(rand, 1 + Math.floor(rand() * 3000))),
        body.subarray(at),
      ]);
    else if (kind === 1)
      body = Buffer.concat([
        body.subarray(0, at),
        body.subarray(Math.min(body.length, at + Math.floor(rand() * 40_000))),
      ]);
    else if (kind === 2) body = Buffer.from(body.subarray(0, Math.max(1, at)));
    else if (kind === 3) body = Buffer.from(words(rand, Math.floor(rand() * 30_000)));
    else if (kind === 4) {
      body = Buffer.from(body);
      body[at] = (body[at]! + 1) & 0xff;
    } // kind 5: the same body again
    if (body.length === 0) body = Buffer.from('x');
    const gz = gzip.compress(body, 'k');
    assert.ok(gunzipSync(gz).equals(body), `step ${i} (change ${kind} at ${at}, ${body.length} bytes)`);
  }
  assert.ok(gzip.stats.reusedBytes > 0, 'some steps reused compressed bytes');
});

test('the first and the last byte changed, the same body twice, bodies without a key', () => {
  const rand = random(3);
  const base = Buffer.from(words(rand, 30_000));
  const gzip = new SegmentedGzip();
  const first = Buffer.from(base);
  first[0] = 0x41;
  const last = Buffer.from(base);
  last[last.length - 1] = 0x41;
  for (const body of [base, first, last, last, base, Buffer.concat([Buffer.from('{'), base]), Buffer.from('tiny')])
    assert.ok(gunzipSync(gzip.compress(body, 'k')).equals(body));
  const reused = gzip.stats.reusedBytes;
  assert.ok(reused > base.length, 'a body sent again reuses all but the changed segment');
  assert.ok(gunzipSync(gzip.compress(base, undefined)).equals(base));
  assert.equal(gzip.stats.reusedBytes, reused, 'no key: nothing reused');
});

test('memory is bounded: beyond the budget the least recent conversation is forgotten', () => {
  const rand = random(5);
  const bodies = Array.from({ length: 4 }, () => Buffer.from(words(rand, 40_000)));
  const gzip = new SegmentedGzip({ budgetBytes: 2.5 * bodies[0]!.length });
  bodies.forEach((b, i) => gzip.compress(b, `c${i}`));
  const reused = gzip.stats.reusedBytes;
  gzip.compress(bodies[0]!, 'c0');
  assert.equal(gzip.stats.reusedBytes, reused, 'c0 was forgotten: nothing to reuse');
  gzip.compress(bodies[3]!, 'c3');
  assert.ok(gzip.stats.reusedBytes > reused, 'c3, the most recent, is remembered');
});

test('what is remembered is counted whole, and is only what it needs: a small budget holds many small conversations', () => {
  const rand = random(9);
  const budget = 1024 * 1024;
  const gzip = new SegmentedGzip({ budgetBytes: budget });
  const bodies: Buffer[] = [];
  for (let i = 0; i < 2000; i++) {
    const body = Buffer.from(words(rand, 3000 + Math.floor(rand() * 500)));
    bodies.push(body);
    assert.ok(gunzipSync(gzip.compress(body, `conversation-${i}`)).equals(body));
  }
  assert.ok(gzip.rememberedBytes <= budget, `${gzip.rememberedBytes} bytes held for a budget of ${budget}`);
  // ~20 KB bodies compressed to ~3 KB: ~45 conversations fit in 1 MiB when a remembered
  // segment holds its own bytes only (a slice of zlib's 16 KiB chunk would hold the whole chunk)
  assert.ok(gzip.rememberedConversations >= 40, `${gzip.rememberedConversations} conversations remembered`);
  let reused = 0;
  for (let i = 1980; i < 2000; i++) {
    const before = gzip.stats.reusedBytes;
    const next = Buffer.concat([bodies[i]!, Buffer.from(' and one more turn')]);
    assert.ok(gunzipSync(gzip.compress(next, `conversation-${i}`)).equals(next));
    if (gzip.stats.reusedBytes > before) reused++;
  }
  assert.equal(reused, 20, 'the 20 most recent conversations reuse their previous body');
});
