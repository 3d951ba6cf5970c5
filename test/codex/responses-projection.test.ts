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

const usage = {
  input_tokens: 900,
  input_tokens_details: { cached_tokens: 768 },
  output_tokens: 40,
  output_tokens_details: { reasoning_tokens: 16 },
  total_tokens: 940,
};

function functionCallStream(callId: string, name: string, args: string) {
  const item = { id: 'fc_1', type: 'function_call', status: 'completed', call_id: callId, name, arguments: args };
  return sse([
    {
      type: 'response.created',
      sequence_number: 0,
      response: { id: 'resp_1', status: 'in_progress', model: 'gpt-5-codex', output: [] },
    },
    {
      type: 'response.output_item.added',
      sequence_number: 1,
      output_index: 0,
      item: { ...item, arguments: '', status: 'in_progress' },
    },
    {
      type: 'response.function_call_arguments.delta',
      sequence_number: 2,
      item_id: 'fc_1',
      output_index: 0,
      delta: args.slice(0, 5),
    },
    {
      type: 'response.function_call_arguments.delta',
      sequence_number: 3,
      item_id: 'fc_1',
      output_index: 0,
      delta: args.slice(5),
    },
    {
      type: 'response.function_call_arguments.done',
      sequence_number: 4,
      item_id: 'fc_1',
      output_index: 0,
      arguments: args,
    },
    { type: 'response.output_item.done', sequence_number: 5, output_index: 0, item },
    {
      type: 'response.completed',
      sequence_number: 6,
      response: { id: 'resp_1', status: 'completed', model: 'gpt-5-codex', output: [], usage },
    },
  ]);
}

describe('Responses request input', () => {
  test('a string input is one user message; instructions become system_text', () => {
    const p = codex.project(
      exchange({
        body: { model: 'gpt-5', instructions: 'Be brief.', input: 'hello' },
        reply: { id: 'resp_9', object: 'response', status: 'completed', output: [] },
      }),
    )!;
    assert.equal(p.system_text, 'Be brief.');
    assert.equal(p.model, 'gpt-5');
    assert.deepEqual(identityView(p.messages), [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }]);
  });

  test('without instructions, the leading developer messages are the system text', () => {
    const p = codex.project(
      exchange({
        body: {
          input: [
            { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'base rules' }] },
            {
              type: 'message',
              role: 'developer',
              content: [
                { type: 'input_text', text: 'sandbox rules' },
                { type: 'input_text', text: 'skills' },
              ],
            },
            { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
            { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'late note' }] },
          ],
        },
      }),
    )!;
    assert.equal(p.system_text, 'base rules\n\nsandbox rules\n\nskills');
    assert.deepEqual(
      p.messages.map((m) => m.role),
      ['developer', 'developer', 'user', 'developer'],
    );
  });

  test('items: function calls and their outputs, custom tools, local shell, reasoning, web search, images as sources', () => {
    const p = codex.project(
      exchange({
        body: {
          input: [
            {
              type: 'message',
              role: 'user',
              content: [
                { type: 'input_text', text: 'look' },
                { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
              ],
            },
            {
              type: 'reasoning',
              id: 'rs_1',
              summary: [
                { type: 'summary_text', text: 'Plan A' },
                { type: 'summary_text', text: 'Plan B' },
              ],
              encrypted_content: 'gAAAA-secret-blob',
            },
            {
              type: 'function_call',
              id: 'fc_1',
              call_id: 'call_1',
              name: 'exec_command',
              arguments: '{"cmd":"ls"}',
              status: 'completed',
            },
            { type: 'function_call_output', call_id: 'call_1', output: 'a.txt\n' },
            { type: 'custom_tool_call', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch' },
            {
              type: 'custom_tool_call_output',
              call_id: 'call_2',
              output: [
                { type: 'input_text', text: 'Done' },
                { type: 'input_image', image_url: 'https://example.test/x.png' },
              ],
            },
            {
              type: 'local_shell_call',
              call_id: 'call_3',
              status: 'completed',
              action: { type: 'exec', command: ['echo', 'hi'] },
            },
            { type: 'function_call_output', call_id: 'call_3', output: 'hi' },
            { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'node 20' } },
            { type: 'item_reference', id: 'msg_0' },
          ],
        },
      }),
    )!;
    assert.deepEqual(identityView(p.messages), [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'auto' },
        ],
      },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Plan A\n\nPlan B' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'exec_command', input: { cmd: 'ls' } }] },
      { role: 'tool', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'a.txt\n' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'call_2', name: 'apply_patch', input: '*** Begin Patch' }],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'call_2',
            content: [
              { type: 'text', text: 'Done' },
              { type: 'image', source: { type: 'url', url: 'https://example.test/x.png' } },
            ],
          },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_3', name: 'local_shell', input: { type: 'exec', command: ['echo', 'hi'] } },
        ],
      },
      { role: 'tool', content: [{ type: 'tool_result', tool_use_id: 'call_3', content: 'hi' }] },
      {
        role: 'assistant',
        content: [
          { type: 'server_tool_use', id: 'ws_1', name: 'web_search', input: { type: 'search', query: 'node 20' } },
        ],
      },
    ]);
    assert.ok(!JSON.stringify(p.messages).includes('gAAAA-secret-blob'), 'encrypted reasoning is not kept');
    assert.deepEqual(p.messages[2]!.raw_frame, { item_type: 'function_call', item_id: 'fc_1', status: 'completed' });
  });

  test("items onto the gateway's parts; native_type keeps the provider_subtype values Codex rows have always had", () => {
    const p = codex.project(
      exchange({
        body: {
          input: [
            {
              type: 'message',
              role: 'user',
              content: [
                { type: 'input_text', text: 'look' },
                { type: 'input_file', file_id: 'file_1', filename: 'a.pdf' },
                { type: 'input_audio', input_audio: { format: 'wav' } },
              ],
            },
            { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Plan' }] },
            { type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"ls"}' },
            { type: 'function_call_output', call_id: 'call_1', output: 'a.txt' },
            { type: 'web_search_call', id: 'ws_1', action: { query: 'q' } },
            { type: 'compaction', text: 'summary' },
          ],
        },
      }),
    )!;
    assert.deepEqual(
      p.messages.map((m) => m.content),
      [
        [
          { type: 'text', text: 'look' },
          { type: 'file', native_type: 'document', source: { type: 'file', file_id: 'file_1' } },
          { type: 'other', native_type: 'audio' },
        ],
        [{ type: 'reasoning', native_type: 'thinking', text: 'Plan' }],
        [{ type: 'tool_call', native_type: 'tool_use', input: { cmd: 'ls' }, call_id: 'call_1', name: 'exec_command' }],
        [{ type: 'tool_result', content: 'a.txt', call_id: 'call_1' }],
        [
          {
            type: 'tool_call',
            native_type: 'server_tool_use',
            input: { query: 'q' },
            call_id: 'ws_1',
            name: 'web_search',
          },
        ],
        [{ type: 'other', native_type: 'compaction', text: 'summary' }],
      ],
    );
  });

  test('an unknown item type is kept as a part of that type, not dropped', () => {
    const p = codex.project(
      exchange({
        body: {
          input: [
            { type: 'compaction', id: 'cmp_1', encrypted_content: 'xyz' },
            { type: 'message', role: 'user', content: 'go on' },
          ],
        },
      }),
    )!;
    assert.deepEqual(identityView(p.messages), [
      { role: 'assistant', content: [{ type: 'compaction' }] },
      { role: 'user', content: [{ type: 'text', text: 'go on' }] },
    ]);
  });
});

describe('Responses replies', () => {
  test('a streamed text reply: one assistant message at ts_end carrying usage (net of cache) and the stop reason', () => {
    const events = sse([
      { type: 'response.created', response: { id: 'resp_1', status: 'in_progress', model: 'gpt-5-codex', output: [] } },
      {
        type: 'response.output_item.added',
        output_index: 0,
        item: { id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
      },
      {
        type: 'response.content_part.added',
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'lo' },
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello', annotations: [] }],
        },
      },
      {
        type: 'response.completed',
        response: { id: 'resp_1', status: 'completed', model: 'gpt-5-codex', output: [], usage },
      },
    ]);
    const ex = exchange({ body: { model: 'gpt-5-codex', input: 'hi', stream: true }, events });
    const p = codex.project(ex)!;
    const reply = p.messages[1]!;
    assert.deepEqual(identityView([reply]), [{ role: 'assistant', content: [{ type: 'text', text: 'Hello' }] }]);
    assert.equal(reply.message_created_at, ex.ts_end);
    assert.deepEqual(reply.usage, {
      input_tokens: 132,
      cache_read_input_tokens: 768,
      output_tokens: 40,
      reasoning_tokens: 16,
    });
    assert.equal(recordedFinish(reply), 'stop');
    assert.equal(p.messages[0]!.usage, undefined);
    assert.deepEqual(p.attributes?.openai, { api: 'responses', response_id: 'resp_1' });
  });

  test('usage with cache writes: input is net of reads and writes, writes reported as cache creation', () => {
    const withWrites = {
      input_tokens: 1000,
      input_tokens_details: { cached_tokens: 600, cache_write_tokens: 300 },
      output_tokens: 10,
    };
    const reply = codex.project(
      exchange({
        body: { input: 'q' },
        reply: {
          id: 'r',
          status: 'completed',
          output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] }],
          usage: withWrites,
        },
      }),
    )!.messages[1]!;
    assert.deepEqual(reply.usage, {
      input_tokens: 100,
      cache_read_input_tokens: 600,
      cache_creation_input_tokens: 300,
      output_tokens: 10,
    });
  });

  test('a streamed function call: rebuilt from its done item, tool_use stop reason', () => {
    const p = codex.project(
      exchange({
        body: { input: 'list files', stream: true },
        events: functionCallStream('call_7', 'exec_command', '{"cmd":"ls -la"}'),
      }),
    )!;
    const call = p.messages[1]!;
    assert.deepEqual(identityOf(call), [
      { type: 'tool_use', id: 'call_7', name: 'exec_command', input: { cmd: 'ls -la' } },
    ]);
    assert.equal(recordedFinish(call), 'tool_use');
    assert.equal(call.usage?.output_tokens, 40);
  });

  test('several output items: one message each, usage only on the last', () => {
    const items = [
      {
        id: 'rs_1',
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: 'thinking' }],
        encrypted_content: 'enc',
      },
      { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Running it.' }] },
      { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"pwd"}' },
    ];
    const p = codex.project(
      exchange({
        body: { input: 'go' },
        reply: { id: 'resp_2', object: 'response', status: 'completed', model: 'gpt-5', output: items, usage },
      }),
    )!;
    const replies = p.messages.slice(1);
    assert.deepEqual(
      replies.map((m) => m.content[0] && (identityOf(m) as Array<{ type?: string }>)[0]!.type),
      ['thinking', 'text', 'tool_use'],
    );
    assert.deepEqual(
      replies.map((m) => m.usage !== undefined),
      [false, false, true],
    );
    assert.equal(recordedFinish(replies[2]!), 'tool_use');
  });

  test('items that never got output_item.done are rebuilt from deltas; a cut stream is marked and carries no stop reason', () => {
    const events = sse([
      { type: 'response.created', response: { id: 'resp_3', status: 'in_progress', output: [] } },
      { type: 'response.output_item.added', output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] } },
      {
        type: 'response.reasoning_summary_text.delta',
        item_id: 'rs_1',
        output_index: 0,
        summary_index: 0,
        delta: 'Consider ',
      },
      {
        type: 'response.reasoning_summary_text.delta',
        item_id: 'rs_1',
        output_index: 0,
        summary_index: 0,
        delta: 'options',
      },
      {
        type: 'response.output_item.added',
        output_index: 1,
        item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] },
      },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'Partial ans' },
    ]);
    const p = codex.project(exchange({ body: { input: 'q' }, events, aborted: true }))!;
    assert.deepEqual(identityView(p.messages.slice(1)), [
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Consider options' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Partial ans' }] },
    ]);
    for (const m of p.messages.slice(1)) assert.deepEqual(m.attributes, { openai: { stream_incomplete: true } });
    assert.equal(p.messages[0]!.attributes, undefined, 'history is not marked');
    assert.equal(recordedFinish(p.messages[2]!), undefined);
  });

  test('a cut stream with no content gives no reply row', () => {
    const p = codex.project(
      exchange({
        body: { input: 'q' },
        events: sse([{ type: 'response.created', response: { id: 'r', output: [] } }]),
        aborted: true,
      }),
    )!;
    assert.equal(p.messages.length, 1);
  });

  test('response.completed fills items the stream did not finish, output_item.done wins over a truncated completed', () => {
    const done = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'Full text' }],
    };
    const p = codex.project(
      exchange({
        body: { input: 'q' },
        events: sse([
          { type: 'response.output_item.done', output_index: 0, item: done },
          {
            type: 'response.completed',
            response: {
              id: 'r1',
              status: 'completed',
              output: [
                { ...done, content: [{ type: 'output_text', text: 'Full' }] },
                { id: 'msg_2', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Second' }] },
              ],
            },
          },
        ]),
      }),
    )!;
    assert.deepEqual(
      p.messages.slice(1).map((m) => (identityOf(m) as Array<{ text?: string }>)[0]!.text),
      ['Full text', 'Second'],
    );
  });

  test('response.failed: an error row with code and message, stop reason error, usage kept', () => {
    const ex = exchange({
      body: { input: 'q' },
      events: sse([
        { type: 'response.created', response: { id: 'r1', status: 'in_progress', output: [] } },
        {
          type: 'response.failed',
          response: {
            id: 'r1',
            status: 'failed',
            error: { code: 'rate_limit_exceeded', message: 'Rate limit reached. Try again in 2s.' },
            usage,
          },
        },
      ]),
    });
    const error = codex.project(ex)!.messages[1]!;
    assert.equal(error.role, 'assistant');
    assert.deepEqual(identityOf(error), [
      {
        type: 'error',
        code: 'rate_limit_exceeded',
        message: 'Rate limit reached. Try again in 2s.',
        exchange_id: ex.exchange_id,
      },
    ]);
    assert.equal(recordedFinish(error), 'error');
    assert.equal(error.usage?.input_tokens, 132);
  });

  test('an error event and an HTTP error body become error rows', () => {
    const streamed = codex.project(
      exchange({
        body: { input: 'q' },
        events: sse([{ type: 'error', code: 'server_error', message: 'boom', param: null }]),
      }),
    )!;
    assert.deepEqual(
      (identityOf(streamed.messages[1]!) as Array<Record<string, unknown>>).map((b) => [b.type, b.code, b.message]),
      [['error', 'server_error', 'boom']],
    );
    const http = codex.project(
      exchange({
        status_code: 401,
        body: { input: 'q' },
        reply: {
          error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
        },
      }),
    )!;
    assert.deepEqual(
      (identityOf(http.messages[1]!) as Array<Record<string, unknown>>).map((b) => [b.type, b.code, b.message]),
      [['error', 'invalid_api_key', 'Incorrect API key provided']],
    );
    const detail = codex.project(
      exchange({
        status_code: 403,
        path: '/backend-api/codex/responses',
        body: { input: 'q' },
        reply: { detail: 'Forbidden' },
      }),
    )!;
    assert.deepEqual(
      (identityOf(detail.messages[1]!) as Array<Record<string, unknown>>).map((b) => [b.code, b.message]),
      [['http_403', 'Forbidden']],
    );
  });

  test('two identical failures in two exchanges stay two rows', () => {
    const ids = new FallbackIdentity();
    const failing = () =>
      exchange({
        status_code: 500,
        body: { input: 'q' },
        reply: { error: { message: 'overloaded', code: 'server_error' } },
      });
    assert.equal(ids.write(codex.project(failing())!).length, 2);
    assert.equal(ids.write(codex.project(failing())!).length, 1);
  });
});

describe('history replay does not duplicate', () => {
  test('a function call and its output re-sent in the next request project exactly like the reply they came from', () => {
    const ids = new FallbackIdentity();
    const history = [
      { type: 'message', id: 'msg_u1', role: 'user', content: [{ type: 'input_text', text: 'run echo' }] },
    ];
    const first = codex.project(
      exchange({
        body: { input: history, stream: true },
        events: functionCallStream('call_1', 'exec_command', '{"cmd":"echo hi"}'),
      }),
    )!;
    assert.equal(ids.write(first).length, 2);
    // What Codex re-sends: the output item as it came in output_item.done, then the output.
    const replayed = [
      ...history,
      {
        type: 'function_call',
        status: 'completed',
        id: 'fc_1',
        name: 'exec_command',
        arguments: '{"cmd":"echo hi"}',
        call_id: 'call_1',
      },
      { type: 'function_call_output', id: 'fco_1', call_id: 'call_1', output: 'hi\n' },
    ];
    const second = codex.project(
      exchange({
        body: { input: replayed, stream: true },
        reply: {
          id: 'resp_2',
          object: 'response',
          status: 'completed',
          output: [
            { id: 'msg_2', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done' }] },
          ],
          usage,
        },
      }),
    )!;
    assert.deepEqual(identityView(second.messages.slice(0, 2)), identityView(first.messages));
    assert.equal(ids.write(second).length, 2, 'only the output and the new reply are new');
  });

  test('a reasoning item and an assistant message re-sent as input match their reply', () => {
    const output = [
      { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'hmm' }], encrypted_content: 'E1' },
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'Answer', annotations: [] }],
      },
    ];
    const first = codex.project(exchange({ body: { input: 'q1' }, reply: { id: 'r1', status: 'completed', output } }))!;
    const second = codex.project(
      exchange({
        body: {
          input: [
            { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'q1' }] },
            {
              type: 'reasoning',
              id: 'rs_1',
              summary: [{ type: 'summary_text', text: 'hmm' }],
              content: null,
              encrypted_content: 'E1',
            },
            { type: 'message', role: 'assistant', id: 'msg_1', content: [{ type: 'output_text', text: 'Answer' }] },
            { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'q2' }] },
          ],
        },
      }),
    )!;
    assert.deepEqual(identityView(second.messages.slice(0, 3)), identityView(first.messages));
  });
});

describe('match', () => {
  test('OpenAI and Codex paths (pathname, query ignored) and the Codex turn header', () => {
    const m = (path: string, headers: Record<string, string> = {}) =>
      codex.projector.match(exchange({ path, request_headers: headers }));
    assert.equal(m('/v1/responses?api-version=2025'), true);
    assert.equal(m('/v1/chat/completions'), true);
    assert.equal(m('/v1/models'), true);
    assert.equal(m('/backend-api/codex/responses'), true);
    assert.equal(m('/backend-api/codex/responses/compact'), true);
    assert.equal(m('/v1/messages'), false);
    assert.equal(m('/v1/embeddings'), false);
    assert.equal(m('/custom', { 'x-codex-turn-metadata': '{}' }), true);
  });

  test('a GET /v1/models is matched but projects nothing; a non-JSON request body is logged, not thrown', () => {
    const a = activateCodex();
    assert.equal(a.project(exchange({ method: 'GET', path: '/v1/models', reply: { data: [] } })), undefined);
    assert.equal(a.project(exchange({ body: '{"input": "trunc', request_truncated: true })), undefined);
    assert.deepEqual(
      a.logs.map((l) => [l.event, l.fields?.reason]),
      [['codex.request_not_projected', 'request_truncated']],
    );
  });
});
