import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { replyFromJson, replyFromSse } from '@hypaware/claude/wire/assistant-reply';
import { events } from './claude-harness.js';

const start = (
  usage: Record<string, number> = {
    input_tokens: 25,
    cache_read_input_tokens: 1900,
    cache_creation_input_tokens: 7,
    output_tokens: 1,
  },
) => ({
  type: 'message_start',
  message: {
    id: 'msg_01A',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage,
  },
});

describe('SSE reply reconstruction', () => {
  test('every event and delta type: thinking + signature, text, tool input JSON in fragments, citations, pings', () => {
    const reply = replyFromSse([
      ...events(
        start(),
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
        { type: 'ping' },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'List ' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'files.' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'ZmFrZQ==' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'See ' } },
        {
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'citations_delta', citation: { type: 'char_location', cited_text: 'a', document_index: 0 } },
        },
        { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'the docs.' } },
        { type: 'content_block_stop', index: 1 },
        {
          type: 'content_block_start',
          index: 2,
          content_block: { type: 'tool_use', id: 'toolu_01A', name: 'Bash', input: {} },
        },
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } },
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"command":' } },
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"ls -la"}' } },
        { type: 'content_block_stop', index: 2 },
        {
          type: 'message_delta',
          delta: { stop_reason: 'tool_use', stop_sequence: null },
          usage: { output_tokens: 42 },
        },
        { type: 'message_stop' },
      ),
    ]);
    assert.ok(reply);
    assert.equal(reply.id, 'msg_01A');
    assert.equal(reply.model, 'claude-sonnet-4-5');
    assert.equal(reply.stop_reason, 'tool_use');
    assert.equal(reply.complete, true);
    assert.deepEqual(reply.content, [
      { type: 'thinking', thinking: 'List files.', signature: 'ZmFrZQ==' },
      {
        type: 'text',
        text: 'See the docs.',
        citations: [{ type: 'char_location', cited_text: 'a', document_index: 0 }],
      },
      { type: 'tool_use', id: 'toolu_01A', name: 'Bash', input: { command: 'ls -la' } },
    ]);
    assert.deepEqual(reply.usage, {
      input_tokens: 25,
      cache_read_input_tokens: 1900,
      cache_creation_input_tokens: 7,
      output_tokens: 42,
    });
  });

  test('message_delta usage is cumulative: the last value wins, fields it omits stay from message_start', () => {
    const reply = replyFromSse(
      events(
        start({ input_tokens: 10, output_tokens: 1 }),
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: {}, usage: { output_tokens: 5 } },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9, input_tokens: 12 } },
        { type: 'message_stop' },
      ),
    );
    assert.deepEqual(reply?.usage, { input_tokens: 12, output_tokens: 9 });
    assert.equal(reply?.stop_reason, 'end_turn');
  });

  test('blocks are ordered by index, deltas without a block start create one of the right kind', () => {
    const reply = replyFromSse(
      events(
        start(),
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hm' } },
        { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'x' } },
        { type: 'message_stop' },
      ),
    );
    assert.deepEqual(reply?.content, [
      { type: 'thinking', thinking: 'hm' },
      { type: 'tool_use', input: { a: 1 } },
      { type: 'text', text: 'x' },
    ]);
  });

  test('a truncated stream (no message_stop, unfinished tool JSON) keeps what arrived and says it is incomplete', () => {
    const reply = replyFromSse(
      events(
        start(),
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'partial' } },
        {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 'toolu_X', name: 'Read', input: {} },
        },
        {
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'input_json_delta', partial_json: '{"file_path":"/tm' },
        },
      ),
    );
    assert.ok(reply);
    assert.equal(reply.complete, false);
    assert.equal(reply.stop_reason, undefined, 'a cut is not disguised as a stop reason the upstream could send');
    assert.deepEqual(reply.content, [
      { type: 'text', text: 'partial' },
      { type: 'tool_use', id: 'toolu_X', name: 'Read', input: '{"file_path":"/tm' },
    ]);
  });

  test('a stream with everything but message_stop is complete in content but flagged incomplete', () => {
    const reply = replyFromSse(
      events(
        start(),
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'done' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } },
      ),
    );
    assert.equal(reply?.complete, false);
    assert.equal(reply?.stop_reason, 'end_turn');
    assert.deepEqual(reply?.content, [{ type: 'text', text: 'done' }]);
  });

  test('an error event mid-stream is kept next to the content; invalid data lines are skipped', () => {
    const reply = replyFromSse([
      ...events(start(), { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'a' } }),
      { event: 'content_block_delta', data: '{not json' },
      ...events({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    ]);
    assert.deepEqual(reply?.error, { type: 'overloaded_error', message: 'Overloaded' });
    assert.deepEqual(reply?.content, [{ type: 'text', text: 'a' }]);
  });

  test('no message_start: nothing (or only the error)', () => {
    assert.equal(replyFromSse(events({ type: 'ping' })), undefined);
    assert.deepEqual(replyFromSse(events({ type: 'error', error: { type: 'api_error', message: 'boom' } })), {
      content: [],
      complete: false,
      error: { type: 'api_error', message: 'boom' },
    });
  });
});

describe('JSON reply', () => {
  test('a non-streamed message', () => {
    const reply = replyFromJson(
      JSON.stringify({
        id: 'msg_J',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        stop_reason: 'end_turn',
        stop_sequence: null,
        content: [
          { type: 'text', text: 'hello' },
          { type: 'tool_use', id: 'toolu_J', name: 'Read', input: { file_path: '/a' } },
        ],
        usage: {
          input_tokens: 3,
          output_tokens: 4,
          cache_read_input_tokens: 5,
          cache_creation_input_tokens: 6,
          service_tier: 'standard',
        },
      }),
    );
    assert.deepEqual(reply, {
      id: 'msg_J',
      model: 'claude-haiku-4-5',
      stop_reason: 'end_turn',
      complete: true,
      content: [
        { type: 'text', text: 'hello' },
        { type: 'tool_use', id: 'toolu_J', name: 'Read', input: { file_path: '/a' } },
      ],
      usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 5, cache_creation_input_tokens: 6 },
    });
  });

  test('an error body, and bodies that are no message', () => {
    assert.deepEqual(
      replyFromJson('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}')
        ?.error,
      { type: 'overloaded_error', message: 'Overloaded' },
    );
    assert.equal(replyFromJson('{"input_tokens":42}'), undefined);
    assert.equal(replyFromJson('<html>'), undefined);
    assert.equal(replyFromJson(null), undefined);
  });
});
