/** Fallback identity, supplied ids, and part rows of planned messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProjectedExchange, ProjectedMessage } from '@hypaware/ai-gateway';
import type { ExchangeFacts } from '@hypaware/ai-gateway/internal/recorder/exchange-facts.js';
import { planMessages, type Row } from '@hypaware/ai-gateway/internal/recorder/message-rows.js';
import { canonicalJson, fallbackMessageId, hash16 } from '@hypaware/ai-gateway/internal/recorder/message-identity.js';
import { MESSAGE_COLUMNS } from '@hypaware/ai-gateway/internal/datasets.js';

const exchange = {
  exchange_id: 'ex',
  ts_start: '2026-03-04T05:06:07.000Z',
  stream_event_count: null,
  metadata: {},
  is_sse: false,
} as unknown as ExchangeFacts;
const ctx = { gatewayId: 'gw', exchange, conversationStartedAt: '2026-03-04T05:00:00.000Z' };

function plan(messages: ProjectedMessage[], extra: Partial<ProjectedExchange> = {}) {
  return planMessages({ provider: 'anthropic', conversation_id: 'conv-1', messages, ...extra }, ctx);
}

const history: ProjectedMessage[] = [
  { role: 'user', content: 'continue' },
  { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
  { role: 'user', content: 'continue' },
];

test('fallback ids follow the documented formula and stay stable when the history is re-sent and grows', () => {
  const first = plan(history).map((m) => m.messageId);
  const expected0 = hash16(`conv-1:user:${canonicalJson([{ type: 'text', text: 'continue' }])}`);
  assert.equal(first[0], expected0);
  assert.equal(first[1], hash16(`conv-1:assistant:${canonicalJson([{ type: 'text', text: 'ok' }])}:${expected0}`));
  const resent = plan([...history, { role: 'assistant', content: 'done' }]).map((m) => m.messageId);
  assert.deepEqual(resent.slice(0, 3), first);
  assert.equal(new Set(resent).size, 4, 'identical prompts at different places are different messages');
  assert.ok(first.every((id) => /^[0-9a-f]{16}$/.test(id)));
});

test('the identity form, when given, is what the id hashes (not the parts); a string equals its text part', () => {
  // volatile provider fields (cache_control, caller) are left out by the adapter: test/claude/identity.test.ts
  const identity = [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'r' }] }];
  const [withIdentity] = plan([
    { role: 'user', content: [{ type: 'tool_result', call_id: 't', content: 'r' }], identity },
  ]);
  assert.equal(withIdentity!.messageId, fallbackMessageId('conv-1', 'user', identity, undefined));
  assert.equal(withIdentity!.messageId, hash16(`conv-1:user:${canonicalJson(identity)}`));
  assert.equal(
    plan([{ role: 'user', content: 'hi' }])[0]!.messageId,
    plan([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }])[0]!.messageId,
  );
  assert.notEqual(
    fallbackMessageId('c', 'user', [{ type: 'text', text: 'hi' }], undefined),
    fallbackMessageId('c', 'assistant', [{ type: 'text', text: 'hi' }], undefined),
  );
});

test('previous_message_id: [] for the first fallback message, [previous id] after; a supplied [] is kept; supplied ids are authoritative', () => {
  const rows = (messages: ProjectedMessage[]) => plan(messages).flatMap((m) => m.buildRows());
  const fallback = rows(history);
  assert.equal(fallback[0]!.previous_message_id, '[]');
  assert.equal(fallback[1]!.previous_message_id, JSON.stringify([fallback[0]!.message_id]));
  assert.equal(fallback[2]!.previous_message_id, JSON.stringify([fallback[1]!.message_id]));
  assert.match(String(fallback[0]!.attributes), /"identity_source":"gateway_fallback"/);

  const supplied = rows([
    { role: 'user', content: 'a', message_id: 'uuid-1', previous_message_id: [] },
    { role: 'assistant', content: 'b', message_id: 'uuid-2' },
    { role: 'user', content: 'c', previous_message_id: ['uuid-2'] },
    { role: 'assistant', content: 'd' },
  ]);
  assert.deepEqual(supplied.map((r) => r.message_id).slice(0, 2), ['uuid-1', 'uuid-2']);
  assert.equal(supplied[0]!.previous_message_id, '[]');
  assert.equal(supplied[1]!.previous_message_id, null, 'a supplied id without a parent stays unknown');
  assert.equal(supplied[2]!.previous_message_id, '["uuid-2"]');
  assert.equal(supplied[3]!.previous_message_id, JSON.stringify([supplied[2]!.message_id]));
  assert.doesNotMatch(String(supplied[0]!.attributes), /gateway_fallback/);
});

test('one row per part with the part vocabulary mapped onto the columns; tool names resolved from earlier calls; usage on the last part only', () => {
  const planned = plan([
    {
      role: 'assistant',
      message_id: 'm1',
      finish: { reason: 'tool_call', recorded_as: 'tool_use' },
      usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 5 },
      content: [
        { type: 'reasoning', native_type: 'thinking', text: 'hmm', signature: 'sig' },
        { type: 'text', text: 'let me look' },
        {
          type: 'tool_call',
          native_type: 'tool_use',
          call_id: 'call-1',
          name: 'Read',
          input: { path: '/x' },
          caller_type: 'direct',
        },
      ],
    },
    {
      role: 'user',
      message_id: 'm2',
      content: [
        { type: 'tool_result', call_id: 'call-1', content: [{ type: 'text', text: 'file body' }] },
        { type: 'tool_result', call_id: 'call-x', content: 'oops', is_error: true },
      ],
    },
  ]);
  const [a, b] = planned.map((m) => m.buildRows()) as [Row[], Row[]];
  assert.deepEqual(
    a.map((r) => [r.part_id, r.part_type, r.provider_subtype]),
    [
      ['m1#0', 'reasoning', 'thinking'],
      ['m1#1', 'text', 'text'],
      ['m1#2', 'tool_call', 'tool_use'],
    ],
  );
  assert.equal(a[0]!.thinking_signature, 'sig');
  assert.equal(a[0]!.content_text, 'hmm');
  assert.equal(a[2]!.tool_name, 'Read');
  assert.equal(a[2]!.tool_args, '{"path":"/x"}');
  assert.equal(a[2]!.caller_type, 'direct');
  assert.equal(a[2]!.status, '{"finish_reason":"tool_use"}');
  assert.deepEqual([a[0]!.input_tokens, a[1]!.output_tokens], [null, null]);
  assert.deepEqual(
    [a[2]!.input_tokens, a[2]!.output_tokens, a[2]!.cache_read_input_tokens, a[2]!.reasoning_tokens],
    [10, 20, 5, null],
  );
  assert.equal(b[0]!.tool_name, 'Read');
  assert.equal(b[0]!.tool_result_for, 'call-1');
  assert.equal(b[0]!.content_text, 'file body');
  assert.equal(b[0]!.status, '{"tool_status":"success"}');
  assert.equal(b[1]!.tool_name, null);
  assert.equal(b[1]!.is_error, 1);
  assert.equal(b[1]!.status, '{"tool_status":"error"}');
});

test('rows carry every declared column and nothing else, with the v4 constants', () => {
  const [row] = plan([{ role: 'user', content: 'hi', message_created_at: '2026-05-06T07:08:09Z' }], {
    session_id: 's1',
    client_name: 'claude-code',
    model: 'm',
  })[0]!.buildRows();
  const declared = MESSAGE_COLUMNS.map((c) => c.name);
  assert.equal(declared.length, 62);
  for (const key of Object.keys(row!)) assert.ok(declared.includes(key), `undeclared column ${key}`);
  assert.equal(row!.schema_version, 4);
  assert.equal(row!.gateway_id, 'gw');
  assert.equal(row!.message_created_at, '2026-05-06T07:08:09.000Z');
  assert.equal(row!.date, '2026-05-06');
  assert.equal(row!.conversation_started_at, '2026-03-04T05:00:00.000Z');
  assert.equal(row!.session_id, 's1');
  assert.equal(row!.exchange_id, 'ex');
  assert.match(String(row!.attributes), /"client":\{"name":"claude-code"\}/);
});

test('messages without a role or content are skipped and do not break the chain', () => {
  const planned = plan([
    { role: '', content: 'x' },
    { role: 'user', content: '' },
    { role: 'user', content: 'real' },
    { role: 'assistant', content: [] },
    { role: 'assistant', content: 'reply' },
  ]);
  assert.equal(planned.length, 2);
  const rows = planned.flatMap((m) => m.buildRows());
  assert.equal(rows[0]!.message_index, 2);
  assert.equal(rows[1]!.message_index, 4);
  assert.equal(rows[1]!.previous_message_id, JSON.stringify([rows[0]!.message_id]));
});

test('messages the caller knows are stored are not planned, and still chain the ones after them', () => {
  const all = plan(history);
  const known = new Set([all[0]!.messageId, all[1]!.messageId]);
  const planned = planMessages(
    { provider: 'anthropic', conversation_id: 'conv-1', messages: history },
    { ...ctx, known: (id) => known.has(id) },
  );
  assert.deepEqual(
    planned.map((m) => [m.messageId, m.index]),
    [[all[2]!.messageId, 2]],
  );
  const [row] = planned[0]!.buildRows();
  assert.equal(row!.previous_message_id, JSON.stringify([all[1]!.messageId]));
  assert.deepEqual(planned[0]!.buildRows(), all[2]!.buildRows(), 'the same rows as when planned with the others');
});

test('row values are bound in MESSAGE_COLUMNS order: the object form reads them back by name', () => {
  const [message] = plan([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  const values = message!.buildRowValues();
  assert.equal(values.length, 1);
  assert.equal(values[0]!.length, MESSAGE_COLUMNS.length);
  const at = (name: string) => values[0]![MESSAGE_COLUMNS.findIndex((c) => c.name === name)];
  assert.equal(at('part_id'), `${message!.messageId}#0`);
  assert.equal(at('message_id'), message!.messageId);
  assert.equal(at('content_text'), 'hi');
  assert.equal(at('gateway_id'), 'gw');
  assert.equal(at('input_tokens'), null);
});
