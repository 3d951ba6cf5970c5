/**
 * The writer's history identity memo is a pure optimisation: over random sequences of
 * re-sent, grown, edited and forked histories (seeded, bounded), ids planned with the memo
 * equal ids planned without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProjectedMessage } from '@hypaware/ai-gateway';
import type { ExchangeFacts } from '@hypaware/ai-gateway/internal/recorder/exchange-facts.js';
import { planMessages } from '@hypaware/ai-gateway/internal/recorder/message-rows.js';
import { HistoryIdentityMemo } from '@hypaware/ai-gateway/internal/recorder/message-identity.js';
import { SeededRandom } from '../../harness/seeded-random.js';

const exchange = {
  exchange_id: 'ex',
  ts_start: '2026-03-04T05:06:07.000Z',
  stream_event_count: null,
  metadata: {},
  is_sse: false,
} as unknown as ExchangeFacts;
const base = { gatewayId: 'gw', exchange, conversationStartedAt: '2026-03-04T05:00:00.000Z' };

function ids(conversation: string, messages: ProjectedMessage[], memo?: HistoryIdentityMemo): string[] {
  return planMessages(
    { provider: 'anthropic', conversation_id: conversation, messages },
    memo ? { ...base, identities: memo } : base,
  ).map((m) => m.messageId);
}

/** Planned [index, id] pairs, skipping messages `known` reports (as the writer does with its recent ids). */
function plannedPairs(
  conversation: string,
  messages: ProjectedMessage[],
  known: (id: string) => boolean,
  memo?: HistoryIdentityMemo,
): Array<[number, string]> {
  return planMessages(
    { provider: 'anthropic', conversation_id: conversation, messages },
    memo ? { ...base, identities: memo, known } : { ...base, known },
  ).map((m) => [m.index, m.messageId]);
}

function randomMessage(random: SeededRandom): ProjectedMessage {
  const role = random.pick(['user', 'assistant']);
  const text = random.pick(['continue', 'yes', 'ok', 'run the tests', 'done']);
  const content: ProjectedMessage['content'] = random.int(2) === 0 ? text : [{ type: 'text', text }];
  const message: ProjectedMessage = { role, content };
  // an adapter's identity form, sometimes given, sometimes differing from the parts
  if (random.int(3) === 0)
    message.identity = [{ type: 'text', text, ...(random.int(2) === 0 ? { hint: 'ephemeral' } : {}) }];
  if (random.int(6) === 0) message.message_id = random.pick(['native-a', 'native-b']);
  return message;
}

test('ids with the memo equal ids without it over 400 random re-sends, edits and forks', () => {
  const random = new SeededRandom(7);
  const memo = new HistoryIdentityMemo(4, 1 << 20);
  const histories = new Map<string, ProjectedMessage[]>();
  for (let step = 0; step < 400; step++) {
    const conversation = `c${random.int(6)}`;
    let history = histories.get(conversation) ?? [];
    switch (random.int(5)) {
      case 0:
        history = [...history, randomMessage(random), randomMessage(random)];
        break; // a new turn
      case 1:
        if (history.length > 0) {
          history = [...history];
          history[random.int(history.length)] = randomMessage(random);
        }
        break; // edited
      case 2:
        history = history.slice(0, random.int(history.length + 1));
        break; // fork / compaction
      case 3:
        if (history.length > 0) {
          const i = random.int(history.length);
          history = [...history];
          history[i] = { ...history[i]!, message_id: random.pick(['native-a', 'native-c']) };
        }
        break; // native id arrives
      default:
        break; // re-sent unchanged
    }
    histories.set(conversation, history);
    assert.deepEqual(ids(conversation, history, memo), ids(conversation, history), `step ${step}, ${conversation}`);
  }
});

test('skipping known messages keeps the memo in step: the same planned ids with and without it', () => {
  const random = new SeededRandom(11);
  const memo = new HistoryIdentityMemo(4, 1 << 20);
  const histories = new Map<string, ProjectedMessage[]>();
  const stored = new Set<string>();
  let skipped = 0;
  for (let step = 0; step < 300; step++) {
    const conversation = `k${random.int(4)}`;
    let history = histories.get(conversation) ?? [];
    if (random.int(4) === 0) history = history.slice(0, random.int(history.length + 1));
    else history = [...history, randomMessage(random), randomMessage(random)];
    histories.set(conversation, history);
    // repeated content ("continue", "yes") makes a walk out of step give wrong ids
    const known = (id: string) => stored.has(id);
    const withMemo = plannedPairs(conversation, history, known, memo);
    assert.deepEqual(withMemo, plannedPairs(conversation, history, known), `step ${step}, ${conversation}`);
    skipped += history.length - withMemo.length;
    // what was planned is now stored, as after the writer's transaction
    for (const [, id] of withMemo) if (random.int(3) > 0) stored.add(id);
  }
  assert.ok(skipped > 100, `known messages were skipped (${skipped})`);
});

test('a history larger than a quarter of the byte bound is not remembered, and stays correct', () => {
  const memo = new HistoryIdentityMemo(4, 4000);
  const big: ProjectedMessage[] = Array.from({ length: 10 }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: 'x'.repeat(200) + i,
  }));
  assert.deepEqual(ids('big', big, memo), ids('big', big));
  assert.deepEqual(
    ids('big', [...big, { role: 'user', content: 'more' }], memo),
    ids('big', [...big, { role: 'user', content: 'more' }]),
  );
});

test('a walk refuses to go on while a message waits for its computed id, and to finish then', () => {
  const memo = new HistoryIdentityMemo();
  const walk = memo.walk('c-guard');
  assert.equal(walk.idFor('user', 'hello', undefined), undefined); // nothing remembered: compute it
  assert.throws(() => walk.idFor('assistant', 'hi', undefined), /waiting for its computed id/);
  assert.throws(() => walk.finish(), /still waiting/);
  walk.computed('id-1');
  assert.throws(() => walk.computed('id-2'), /no message is waiting/);
  assert.equal(walk.idFor('assistant', 'hi', 'native-1'), 'native-1'); // a supplied id needs nothing computed
  walk.finish();
  // the next walk of the conversation gets the computed id back, and the supplied one is checked
  const again = memo.walk('c-guard');
  assert.equal(again.idFor('user', 'hello', undefined), 'id-1');
  assert.equal(again.idFor('assistant', 'hi', 'native-1'), 'native-1');
  assert.equal(again.idFor('user', 'next', undefined), undefined);
});
