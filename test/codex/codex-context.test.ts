import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../../harness/repo.js';
import {
  activateCodex,
  exchange,
  FallbackIdentity,
  identityOf,
  identityView,
  recordedFinish,
  sse,
} from './codex-harness.js';

interface CapturedRequest {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}
const fixture = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test/codex/fixtures/codex-0.169-exec-tool-turn.json'), 'utf8'),
) as { requests: CapturedRequest[] };
const [turn1, turn2] = fixture.requests as [CapturedRequest, CapturedRequest];

const SESSION = '01a20cf4-a1e7-7753-9761-26d9171e03be';
const TURN = '01a20cf4-a256-7300-97fb-a60a8b1a8332';
const codex = activateCodex();

/** What the fake upstream answered to the first request: one exec_command call. */
const callReply = sse([
  {
    type: 'response.created',
    sequence_number: 0,
    response: { id: 'resp_1', object: 'response', status: 'in_progress', model: 'gpt-5-codex', output: [] },
  },
  {
    type: 'response.output_item.added',
    sequence_number: 1,
    output_index: 0,
    item: {
      id: 'fc_1',
      type: 'function_call',
      status: 'in_progress',
      call_id: 'call_1',
      name: 'exec_command',
      arguments: '',
    },
  },
  {
    type: 'response.function_call_arguments.delta',
    sequence_number: 2,
    item_id: 'fc_1',
    output_index: 0,
    delta: '{"cmd":"echo hello-from-tool"}',
  },
  {
    type: 'response.function_call_arguments.done',
    sequence_number: 3,
    item_id: 'fc_1',
    output_index: 0,
    arguments: '{"cmd":"echo hello-from-tool"}',
  },
  {
    type: 'response.output_item.done',
    sequence_number: 4,
    output_index: 0,
    item: {
      id: 'fc_1',
      type: 'function_call',
      status: 'completed',
      call_id: 'call_1',
      name: 'exec_command',
      arguments: '{"cmd":"echo hello-from-tool"}',
    },
  },
  {
    type: 'response.completed',
    sequence_number: 5,
    response: {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      model: 'gpt-5-codex',
      output: [],
      usage: {
        input_tokens: 901,
        input_tokens_details: { cached_tokens: 768 },
        output_tokens: 6,
        output_tokens_details: { reasoning_tokens: 2 },
        total_tokens: 907,
      },
    },
  },
]);

function fromFixture(req: CapturedRequest, fields: Parameters<typeof exchange>[0] = {}) {
  return exchange({ path: req.path, request_headers: req.headers, body: req.body, ...fields });
}

describe('real Codex 0.169 requests', () => {
  test('columns from the headers, turn metadata and environment context', () => {
    const p = codex.project(
      fromFixture(turn1, {
        events: callReply,
        response_headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_abc' },
      }),
    )!;
    assert.equal(p.provider, 'openai');
    assert.equal(p.session_id, SESSION);
    assert.equal(p.conversation_id, SESSION, 'conversation = thread (the same id for a root thread)');
    assert.equal(p.cwd, '/tmp/cx/work');
    assert.equal(p.client_name, 'codex');
    assert.equal(p.client_version, '0.169.0');
    assert.equal(p.entrypoint, 'codex_exec');
    assert.equal(p.user_type, 'user');
    assert.equal(p.permission_mode, 'read-only');
    assert.equal(p.is_sidechain, false);
    assert.equal(p.agent_id, undefined);
    assert.equal(p.prompt_id, TURN);
    assert.equal(p.request_id, 'req_abc');
    assert.equal(p.conversation_source, 'codex');
    assert.equal(p.model, 'gpt-5-codex');
    assert.match(p.system_text ?? '', /^You are a coding agent running in the Codex CLI/);
    assert.ok(Array.isArray(p.tools));
    const c = p.attributes?.codex as Record<string, unknown>;
    assert.equal(c.thread_id, SESSION);
    assert.equal(c.turn_id, TURN);
    assert.equal(c.sandbox, 'seccomp');
    assert.equal(c.sandbox_mode, 'read-only');
    assert.equal(c.window_id, `${SESSION}:0`);
    assert.equal(c.installation_id, '7429c767-8487-4891-9f77-c55884ad3bee');
    assert.equal(c.request_kind, 'turn');
    assert.equal(c.turn_trigger, 'exec');
    assert.equal(c.originator, 'codex_exec');
    assert.equal(c.beta_features, 'remote_compaction_v2');
    assert.equal(c.turn_started_at_unix_ms, 1795513688671);
    assert.ok(!JSON.stringify(p).includes('Bearer'), 'no header value is copied into the projection');
  });

  test('without x-request-id the request id is the client request id', () => {
    const p = codex.project(fromFixture(turn1, { events: callReply }))!;
    assert.equal(p.request_id, SESSION);
  });

  test('the second request re-sends the call and adds its output: only the output and the reply are new', () => {
    const ids = new FallbackIdentity();
    const first = codex.project(fromFixture(turn1, { events: callReply }))!;
    assert.equal(ids.write(first).length, 5);
    const second = codex.project(
      fromFixture(turn2, {
        reply: {
          id: 'resp_2',
          object: 'response',
          status: 'completed',
          output: [
            {
              id: 'msg_2',
              type: 'message',
              role: 'assistant',
              content: [{ type: 'output_text', text: 'Hello there' }],
            },
          ],
        },
      }),
    )!;
    assert.deepEqual(identityView(second.messages.slice(0, 5)), identityView(first.messages));
    assert.equal(ids.write(second).length, 2);
    const output = second.messages[5]!;
    assert.equal(output.role, 'tool');
    assert.deepEqual(
      (identityOf(output) as Array<Record<string, unknown>>).map((b) => [b.type, b.tool_use_id]),
      [['tool_result', 'call_1']],
    );
    assert.match(String((identityOf(output) as Array<Record<string, unknown>>)[0]!.content), /hello-from-tool/);
  });
});

describe('Codex context from other shapes', () => {
  const body = (extra: Record<string, unknown> = {}) => ({
    model: 'gpt-5',
    input: [
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: '<environment_context>\n  <cwd>/home/u/repo/pkg</cwd>\n</environment_context>' },
        ],
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
    ],
    ...extra,
  });

  test('the workspace holding the recorded cwd gives the git facts; the cwd stays the recorded one', () => {
    const meta = {
      session_id: 's1',
      thread_id: 't1',
      turn_id: 'u1',
      workspaces: {
        '/home/u/other': { latest_git_commit_hash: 'bbb' },
        '/home/u/repo/': {
          associated_remote_urls: { origin: 'git@example.test:u/repo.git' },
          latest_git_commit_hash: 'aaa',
          has_changes: true,
        },
      },
    };
    const p = codex.project(
      exchange({ body: body(), request_headers: { 'x-codex-turn-metadata': JSON.stringify(meta) } }),
    )!;
    assert.equal(p.cwd, '/home/u/repo/pkg');
    const c = p.attributes?.codex as Record<string, unknown>;
    assert.equal(c.workspace, '/home/u/repo/');
    assert.equal(c.git_origin_url, 'git@example.test:u/repo.git');
    assert.equal(c.git_commit, 'aaa');
    assert.equal(c.has_changes, true);
  });

  test('without a recorded cwd, a single workspace is the cwd; several are not guessed', () => {
    const one = codex.project(
      exchange({
        body: { input: 'hi' },
        request_headers: { 'x-codex-turn-metadata': JSON.stringify({ thread_id: 't', workspaces: { '/w/a': {} } }) },
      }),
    )!;
    assert.equal(one.cwd, '/w/a');
    const two = codex.project(
      exchange({
        body: { input: 'hi' },
        request_headers: {
          'x-codex-turn-metadata': JSON.stringify({ thread_id: 't', workspaces: { '/w/a': {}, '/w/b': {} } }),
        },
      }),
    )!;
    assert.equal(two.cwd, undefined);
  });

  test('a sub-agent thread: its own conversation, the container session, agent ids, sidechain', () => {
    const meta = {
      session_id: 'root-s',
      thread_id: 'sub-t',
      parent_thread_id: 'root-t',
      thread_source: 'subagent',
      subagent_kind: 'review',
      turn_id: 'u2',
    };
    const p = codex.project(
      exchange({
        body: body(),
        request_headers: { 'x-codex-turn-metadata': JSON.stringify(meta), 'x-openai-subagent': 'review' },
      }),
    )!;
    assert.equal(p.session_id, 'root-s');
    assert.equal(p.conversation_id, 'sub-t');
    assert.equal(p.agent_id, 'sub-t');
    assert.equal(p.parent_agent_id, 'root-t');
    assert.equal(p.is_sidechain, true);
    assert.equal(p.user_type, 'subagent');
  });

  test('ids from client_metadata alone (no Codex headers), including its copy of the turn metadata', () => {
    const p = codex.project(
      exchange({
        body: body({
          client_metadata: {
            session_id: 'cm-s',
            thread_id: 'cm-t',
            turn_id: 'cm-u',
            'x-codex-turn-metadata': JSON.stringify({ sandbox_mode: 'workspace-write', thread_source: 'user' }),
          },
        }),
      }),
    )!;
    assert.equal(p.client_name, 'codex');
    assert.equal(p.session_id, 'cm-s');
    assert.equal(p.conversation_id, 'cm-t');
    assert.equal(p.prompt_id, 'cm-u');
    assert.equal(p.permission_mode, 'workspace-write');
  });

  test('older Codex headers: session_id / conversation_id, user-agent codex_cli_rs', () => {
    const p = codex.project(
      exchange({
        body: { input: 'hi', prompt_cache_key: 'conv-1' },
        request_headers: {
          session_id: 'conv-1',
          conversation_id: 'conv-1',
          originator: 'codex_cli_rs',
          'user-agent': 'codex_cli_rs/0.38.0 (Ubuntu 24.04.2 LTS; x86_64) WindowsTerminal',
        },
      }),
    )!;
    assert.equal(p.session_id, 'conv-1');
    assert.equal(p.conversation_id, 'conv-1');
    assert.equal(p.client_version, '0.38.0');
    assert.equal(p.entrypoint, 'codex_cli_rs');
    assert.equal(p.is_sidechain, undefined);
  });

  test('the ChatGPT route: provider chatgpt even with SSE and no Codex headers', () => {
    const p = codex.project(
      exchange({
        path: '/backend-api/codex/responses',
        provider: 'chatgpt',
        upstream: 'chatgpt',
        body: { input: 'hi', prompt_cache_key: 'pk-1' },
      }),
    )!;
    assert.equal(p.provider, 'chatgpt');
    assert.equal(p.client_name, 'codex');
    assert.equal(p.session_id, 'pk-1');
    assert.equal(p.conversation_id, 'pk-1');
  });

  test('provider falls back to the path when the gateway names none', () => {
    const p = codex.project(
      exchange({ path: '/backend-api/codex/responses', provider: null, upstream: 'mine', body: { input: 'hi' } }),
    )!;
    assert.equal(p.provider, 'chatgpt');
    const q = codex.project(exchange({ provider: null, upstream: 'mine', body: { input: 'hi' } }))!;
    assert.equal(q.provider, 'openai');
  });

  test('plain OpenAI SDK traffic is not Codex', () => {
    const p = codex.project(
      exchange({ body: { input: 'hi' }, request_headers: { 'user-agent': 'OpenAI/Python 1.99.0' } }),
    )!;
    assert.equal(p.client_name, undefined);
    assert.equal(p.session_id, undefined);
    assert.equal(p.attributes?.codex, undefined);
    assert.equal(p.conversation_source, 'api');
  });
});
