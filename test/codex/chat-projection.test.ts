import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  activateCodex,
  exchange,
  FallbackIdentity,
  identityOf,
  identityView,
  recordedFinish,
  sse,
} from './codex-harness.js';

const codex = activateCodex();
const PATH = '/v1/chat/completions';

const history = [
  { role: 'system', content: 'You are terse.' },
  { role: 'developer', content: [{ type: 'text', text: 'Use tools.' }] },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'What is here?' },
      { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ', detail: 'low' } },
    ],
  },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_a', type: 'function', function: { name: 'shell', arguments: '{"cmd":"ls"}' } },
      { id: 'call_b', type: 'function', function: { name: 'read_file', arguments: 'not json' } },
    ],
  },
  { role: 'tool', tool_call_id: 'call_a', content: 'a.txt' },
  { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: 'line 1' }] },
];

const usage = {
  prompt_tokens: 500,
  completion_tokens: 30,
  total_tokens: 530,
  prompt_tokens_details: { cached_tokens: 200 },
  completion_tokens_details: { reasoning_tokens: 10 },
};

describe('Chat Completions request', () => {
  test('all roles; tool_calls become tool_use, tool messages tool_result', () => {
    const p = codex.project(exchange({ path: PATH, body: { model: 'gpt-4o', messages: history } }))!;
    assert.equal(p.provider, 'openai');
    assert.equal(p.model, 'gpt-4o');
    assert.equal(p.system_text, 'You are terse.\n\nUse tools.');
    assert.equal(p.conversation_source, 'api');
    assert.equal(p.client_name, undefined);
    assert.deepEqual(identityView(p.messages), [
      { role: 'system', content: [{ type: 'text', text: 'You are terse.' }] },
      { role: 'developer', content: [{ type: 'text', text: 'Use tools.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is here?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' }, detail: 'low' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_a', name: 'shell', input: { cmd: 'ls' } },
          { type: 'tool_use', id: 'call_b', name: 'read_file', input: 'not json' },
        ],
      },
      { role: 'tool', content: [{ type: 'tool_result', tool_use_id: 'call_a', content: 'a.txt' }] },
      {
        role: 'tool',
        content: [{ type: 'tool_result', tool_use_id: 'call_b', content: [{ type: 'text', text: 'line 1' }] }],
      },
    ]);
  });

  test('a request without a thread gets a conversation id from its first message, the same for the next turn', () => {
    const a = codex.project(exchange({ path: PATH, body: { messages: history.slice(0, 3) } }))!;
    const b = codex.project(exchange({ path: PATH, body: { messages: history } }))!;
    const c = codex.project(exchange({ path: PATH, body: { messages: [{ role: 'user', content: 'other' }] } }))!;
    assert.match(a.conversation_id, /^openai-[0-9a-f]{16}$/);
    assert.equal(a.conversation_id, b.conversation_id);
    assert.notEqual(a.conversation_id, c.conversation_id);
  });
});

describe('Chat Completions reply', () => {
  test('JSON reply with text and tool calls; usage net of cache; finish reason mapped', () => {
    const ex = exchange({
      path: PATH,
      body: { messages: [{ role: 'user', content: 'hi' }] },
      reply: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model: 'gpt-4o-2024',
        choices: [
          {
            index: 0,
            finish_reason: 'tool_calls',
            message: {
              role: 'assistant',
              content: 'Checking.',
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{"cmd":"pwd"}' } }],
            },
          },
        ],
        usage,
      },
    });
    const p = codex.project(ex)!;
    assert.equal(p.model, 'gpt-4o-2024', 'the response model when the request names none');
    const reply = p.messages[1]!;
    assert.deepEqual(identityOf(reply), [
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'shell', input: { cmd: 'pwd' } },
    ]);
    assert.equal(recordedFinish(reply), 'tool_use');
    assert.deepEqual(reply.usage, {
      input_tokens: 300,
      cache_read_input_tokens: 200,
      output_tokens: 30,
      reasoning_tokens: 10,
    });
    assert.equal(reply.message_created_at, ex.ts_end);
    assert.deepEqual(reply.raw_frame, { completion_id: 'chatcmpl-1', finish_reason: 'tool_calls' });
  });

  test('streamed chunks: content deltas, tool call argument deltas by index, the usage chunk and [DONE]', () => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: 'chatcmpl-2',
      object: 'chat.completion.chunk',
      model: 'gpt-4o',
      choices: [{ index: 0, delta, finish_reason: finish }],
      usage: null,
    });
    const events = sse(
      [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Let me ' }),
        chunk({ content: 'look.' }),
        chunk({
          tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'shell', arguments: '' } }],
        }),
        chunk({
          tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'read', arguments: '{"pa' } }],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"cmd":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: 'th":"a"}' } }] }),
        chunk({}, 'tool_calls'),
        { id: 'chatcmpl-2', object: 'chat.completion.chunk', model: 'gpt-4o', choices: [], usage },
        '[DONE]',
      ],
      false,
    );
    const p = codex.project(
      exchange({ path: PATH, body: { messages: [{ role: 'user', content: 'hi' }], stream: true }, events }),
    )!;
    const reply = p.messages[1]!;
    assert.deepEqual(identityOf(reply), [
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'call_1', name: 'shell', input: { cmd: 'ls' } },
      { type: 'tool_use', id: 'call_2', name: 'read', input: { path: 'a' } },
    ]);
    assert.equal(recordedFinish(reply), 'tool_use');
    assert.equal(reply.usage?.input_tokens, 300);
    assert.equal(reply.attributes, undefined);
  });

  test('a stream cut before finish_reason is marked incomplete, with no stop reason', () => {
    const events = sse(
      [{ id: 'c', choices: [{ index: 0, delta: { role: 'assistant', content: 'Half' }, finish_reason: null }] }],
      false,
    );
    const reply = codex.project(
      exchange({ path: PATH, body: { messages: [{ role: 'user', content: 'hi' }] }, events, aborted: true }),
    )!.messages[1]!;
    assert.deepEqual(identityOf(reply), [{ type: 'text', text: 'Half' }]);
    assert.deepEqual(reply.attributes, { openai: { stream_incomplete: true } });
    assert.equal(recordedFinish(reply), undefined);
  });

  test('an error inside the stream and an HTTP error are error rows', () => {
    const streamed = codex.project(
      exchange({
        path: PATH,
        body: { messages: [{ role: 'user', content: 'hi' }] },
        events: sse([{ error: { message: 'overloaded', type: 'server_error' } }], false),
      }),
    )!;
    assert.deepEqual(
      (identityOf(streamed.messages[1]!) as Array<Record<string, unknown>>).map((b) => [b.type, b.code, b.message]),
      [['error', 'server_error', 'overloaded']],
    );
    const http = codex.project(
      exchange({
        path: PATH,
        status_code: 429,
        body: { messages: [{ role: 'user', content: 'hi' }] },
        reply: { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } },
      }),
    )!;
    assert.equal(recordedFinish(http.messages[1]!), 'error');
    assert.deepEqual(
      (identityOf(http.messages[1]!) as Array<Record<string, unknown>>).map((b) => b.code),
      ['rate_limit_exceeded'],
    );
  });

  test('the streamed reply re-sent as history projects like the reply: no duplicate rows', () => {
    const ids = new FallbackIdentity();
    const events = sse(
      [
        { id: 'c', choices: [{ index: 0, delta: { role: 'assistant', content: 'Sure.' }, finish_reason: null }] },
        {
          id: 'c',
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [
                  { index: 0, id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{"cmd":"ls"}' } },
                ],
              },
              finish_reason: null,
            },
          ],
        },
        { id: 'c', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        '[DONE]',
      ],
      false,
    );
    const first = codex.project(
      exchange({ path: PATH, body: { messages: [{ role: 'user', content: 'go' }] }, events }),
    )!;
    assert.equal(ids.write(first).length, 2);
    const second = codex.project(
      exchange({
        path: PATH,
        body: {
          messages: [
            { role: 'user', content: 'go' },
            {
              role: 'assistant',
              content: 'Sure.',
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{"cmd":"ls"}' } }],
            },
            { role: 'tool', tool_call_id: 'call_1', content: 'a.txt' },
          ],
        },
        reply: {
          id: 'c2',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'One file.' } }],
        },
      }),
    )!;
    assert.deepEqual(identityView(second.messages.slice(0, 2)), identityView(first.messages));
    assert.equal(ids.write(second).length, 2);
  });
});
