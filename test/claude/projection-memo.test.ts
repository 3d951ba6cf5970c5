/**
 * The Claude projector's per-conversation memo (the last request's units, the hashes of its
 * keys) is a pure optimisation: over seeded random request sequences (history grown, the
 * cache marker moved, a message edited, the history cut short, reminders, tool calls and
 * results), units and projected messages built with the memo equal those built without it;
 * and a re-sent message really is not split and keyed again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMessages } from '@hypaware/claude/projector/build-messages';
import { HashMemo } from '@hypaware/claude/wire/hash-memo';
import { sha256Hex } from '@hypaware/claude/wire/content-keys';
import { wireUnits, type MessageUnits } from '@hypaware/claude/wire/wire-units';
import type { WireMessage } from '@hypaware/claude/wire/messages-request';
import type { TranscriptEntry } from '@hypaware/claude/transcript/transcript-entry';
import { SeededRandom } from '../../harness/seeded-random.js';

function randomBlock(random: SeededRandom, role: string, n: number): Record<string, unknown> {
  const kind = random.int(5);
  if (role === 'assistant' && kind === 0)
    return { type: 'tool_use', id: `toolu_${n}`, name: 'Read', input: { file_path: `/f${random.int(5)}` } };
  if (role === 'user' && kind === 0)
    return { type: 'tool_result', tool_use_id: `toolu_${random.int(n + 1)}`, content: `result ${random.int(4)}` };
  if (role === 'user' && kind === 1)
    return { type: 'text', text: `<system-reminder>context ${random.int(3)}</system-reminder>` };
  if (role === 'assistant' && kind === 1)
    return { type: 'thinking', thinking: `hmm ${random.int(3)}`, signature: `sig${n}` };
  return { type: 'text', text: `words ${random.int(6)} and ${random.int(6)}` };
}

function randomMessage(random: SeededRandom, index: number): WireMessage {
  const role = index % 2 === 0 ? 'user' : 'assistant';
  if (role === 'user' && random.int(4) === 0) return { role, content: `plain prompt ${random.int(5)}` };
  return {
    role,
    content: Array.from({ length: 1 + random.int(3) }, (_, k) => randomBlock(random, role, index * 10 + k)),
  };
}

/** Claude Code's cache marker sits on the last block of the last message: it moves every turn. */
function withCacheMarker(history: WireMessage[]): WireMessage[] {
  const copy = structuredClone(history);
  const last = copy.at(-1);
  if (last && Array.isArray(last.content) && last.content.length > 0)
    (last.content.at(-1) as Record<string, unknown>).cache_control = { type: 'ephemeral' };
  return copy;
}

/** A unit's `derived` cache is filled by building messages from it: not part of the split. */
function withoutDerived(units: ReturnType<typeof wireUnits>['units']) {
  return units.map(({ derived: _derived, ...unit }) => unit);
}

function build(
  units: ReturnType<typeof wireUnits>['units'],
  sha?: (text: string) => string,
  where: { conversationId: string; scope: string } = { conversationId: 'conv', scope: 'main' },
) {
  return buildMessages({
    units,
    matches: units.map(() => undefined),
    view: undefined,
    ...where,
    reply: undefined,
    replyCreatedAt: '2026-12-03T00:00:00.000Z',
    replyRequestId: undefined,
    wireUsage: () => undefined,
    ...(sha ? { sha256Hex: sha } : {}),
  });
}

test('units and messages built with the memo equal those built without it', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const random = new SeededRandom(seed);
    let history: WireMessage[] = [];
    let previous: MessageUnits[] = [];
    const hashes = new HashMemo();
    for (let turn = 0; turn < 30; turn++) {
      const change = random.int(10);
      if (change < 6 || history.length < 2) history.push(randomMessage(random, history.length));
      else if (change < 8) history[random.int(history.length)] = randomMessage(random, random.int(history.length));
      else history = history.slice(0, 1 + random.int(history.length - 1));
      // JSON round trip: every request is parsed afresh, as on the wire
      const request = JSON.parse(JSON.stringify(withCacheMarker(history))) as WireMessage[];
      const fresh = wireUnits(request, undefined);
      const memo = wireUnits(request, undefined, previous);
      previous = memo.history;
      assert.deepEqual(withoutDerived(memo.units), fresh.units, `seed ${seed}, turn ${turn}: units`);
      const withMemo = build(memo.units, (t) => hashes.sha256Hex(t));
      hashes.rotate();
      assert.deepEqual(withMemo, build(fresh.units), `seed ${seed}, turn ${turn}: projected messages`);
    }
  }
});

test('a re-sent message keeps its units; the one whose cache marker moved is split again', () => {
  const history: WireMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'first prompt' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'an answer' }] },
    { role: 'user', content: [{ type: 'text', text: 'second prompt' }] },
  ];
  const first = wireUnits(JSON.parse(JSON.stringify(withCacheMarker(history))) as WireMessage[], undefined);
  history.push({ role: 'assistant', content: [{ type: 'text', text: 'another answer' }] });
  const second = wireUnits(
    JSON.parse(JSON.stringify(withCacheMarker(history))) as WireMessage[],
    undefined,
    first.history,
  );
  assert.equal(second.units[0], first.units[0], 'unchanged message: the same unit object');
  assert.equal(second.units[1], first.units[1]);
  assert.notEqual(second.units[2], first.units[2], 'its cache marker was removed: split again');
  assert.equal(second.units[2]!.key, first.units[2]!.key, 'with the same key (the marker is volatile)');
  const [before, after] = [build(first.units).messages, build(second.units).messages];
  assert.equal(after[0]!.content, before[0]!.content, 'its projected message shares the parts already built');
  assert.equal(after[0]!.identity, before[0]!.identity);
  assert.deepEqual(after[2]!.content, before[2]!.content);
});

test("a unit's cached keys follow its scope, conversation and place: the same as fresh units' everywhere", () => {
  const random = new SeededRandom(21);
  const history = Array.from({ length: 24 }, (_, i) => randomMessage(random, i));
  const request = () => JSON.parse(JSON.stringify(withCacheMarker(history))) as WireMessage[];
  const shared = wireUnits(request(), undefined).units;
  const places = [
    { conversationId: 'conv', scope: 'main' },
    { conversationId: 'conv', scope: 'agent-1' },
    { conversationId: 'other', scope: 'agent-1' },
    { conversationId: 'conv', scope: 'main' },
  ];
  for (const where of places) {
    // the same unit objects, built again elsewhere, against units that never were
    assert.deepEqual(build(shared, undefined, where), build(wireUnits(request(), undefined).units, undefined, where));
  }
  // a unit moved: its repeats before it change its ordinal, its anchor changes a reminder's id
  const shifted = [...shared.slice(5), ...shared.slice(0, 5)];
  const fresh = wireUnits(request(), undefined).units;
  assert.deepEqual(build(shifted), build([...fresh.slice(5), ...fresh.slice(0, 5)]));
});

test("a reminder's cached id follows its ordinal: an equal reminder inserted before it, after the same anchor", () => {
  const reminder = { type: 'text', text: '<system-reminder>same context</system-reminder>' };
  const messages = (n: number): WireMessage[] => [
    { role: 'user', content: [{ type: 'text', text: 'the prompt' }] },
    ...Array.from({ length: n }, () => ({ role: 'user', content: [reminder] })),
  ];
  const two = wireUnits(messages(2), undefined).units;
  const kept = two.at(-1)!; // a reminder unit, keyed once at ordinal 1
  build(two);
  const reordered = [...wireUnits(messages(1), undefined).units, ...wireUnits(messages(1), undefined).units.slice(1)];
  // the kept unit is now the first reminder after the anchor (ordinal 0), then the second
  const withKept = [reordered[0]!, kept, reordered[2]!];
  assert.deepEqual(build(withKept), build(wireUnits(messages(2), undefined).units));
});

test('the hash memo answers as sha256 does, before and after rotations', () => {
  const memo = new HashMemo();
  const texts = ['main|user|text#abc#0', 'main|assistant|call:toolu_1#0', ''];
  for (let round = 0; round < 4; round++) {
    for (const text of texts) assert.equal(memo.sha256Hex(text), sha256Hex(text), `round ${round}: ${text}`);
    if (round % 2 === 0) memo.rotate();
  }
});

test('messages reused from the last turn follow the transcript line, usage and stop reason each unit has now', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const random = new SeededRandom(100 + seed);
    // transcript lines and usages the turns pick from: a unit's line, usage or stop reason may
    // appear, change or go between turns (the transcript catching up, a usage seen on the wire)
    const entries: TranscriptEntry[] = Array.from({ length: 6 }, (_, k) => ({
      seq: k,
      uuid: `uuid-${k}`,
      ...(k % 2 === 0 ? { parentUuid: `uuid-${k - 1}` } : {}),
      blockKeys: [],
      messageId: `msg_${k % 3}`,
      ...(k % 3 === 0 ? { stopReason: k === 0 ? 'end_turn' : 'tool_use' } : {}),
      ...(k % 2 === 1 ? { usage: { input_tokens: k, output_tokens: 2 * k } } : {}),
      native: { message_created_at: `2026-12-0${1 + (k % 3)}T00:00:00.000Z` },
      frame: JSON.stringify({ type: 'assistant', line: k }),
    }));
    const usages = [{ input_tokens: 1, output_tokens: 1 }, { input_tokens: 7 }, undefined];
    let history: WireMessage[] = [];
    let previous: MessageUnits[] = [];
    for (let turn = 0; turn < 30; turn++) {
      if (random.int(10) < 7 || history.length < 2) history.push(randomMessage(random, history.length));
      else history[random.int(history.length)] = randomMessage(random, random.int(history.length));
      const request = JSON.parse(JSON.stringify(withCacheMarker(history))) as WireMessage[];
      const fresh = wireUnits(request, undefined);
      const memo = wireUnits(request, undefined, previous);
      previous = memo.history;
      const matches = memo.units.map((_, i) =>
        random.int(3) === 0 ? undefined : { entry: entries[(i + random.int(2)) % entries.length]!, blockIndex: 0 },
      );
      const usage = usages[random.int(usages.length)];
      const input = {
        matches,
        view: undefined,
        conversationId: 'conv',
        scope: 'main',
        reply: undefined,
        replyCreatedAt: '2026-12-03T00:00:00.000Z',
        replyRequestId: undefined,
        wireUsage: () => usage,
      };
      const withMemo = buildMessages({ ...input, units: memo.units });
      assert.deepEqual(withMemo, buildMessages({ ...input, units: fresh.units }), `seed ${seed}, turn ${turn}`);
    }
  }
});
