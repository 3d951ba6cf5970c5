// The real daemon in front of fake OpenAI upstreams (config upstreams `openai` and `chatgpt`
// shadow the presets): a Chat exchange with tool calls and its follow-up, a streamed Responses
// turn with a function call and its output in the next request, the same history re-sent, and
// a /backend-api/codex/responses request with full Codex headers answered by SSE without a
// content-type. Every column the Codex adapter fills is checked, and nothing is duplicated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Database from 'better-sqlite3';
import { startDaemon, type DaemonHandle } from '../harness/daemon.js';
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiReply } from '../harness/fake-openai.js';
import { waitFor } from '../harness/wait.js';

type Row = Record<string, unknown>;

const SESSION = '019a0000-0000-7000-8000-00000000c0de';
const TURN = '019a0000-0000-7000-8000-0000000071a1';
const REPO = '/home/dev/project';

async function post(
  daemon: DaemonHandle,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await fetch(`${daemon.endpoint}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer sk-proj-HYPSMOKE0000notARealKey',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

function rows(db: Database.Database, where: string, ...params: unknown[]): Row[] {
  return db
    .prepare(`SELECT * FROM ai_gateway_messages WHERE ${where} ORDER BY message_created_at, message_index, part_index`)
    .all(...params) as Row[];
}

function netUsage(replies: FakeOpenAiReply[]) {
  return {
    input: replies.reduce((s, r) => s + r.usage.input - r.usage.cached, 0),
    cached: replies.reduce((s, r) => s + r.usage.cached, 0),
    output: replies.reduce((s, r) => s + r.usage.output, 0),
    reasoning: replies.reduce((s, r) => s + r.usage.reasoning, 0),
  };
}

function sumUsage(list: Row[]) {
  const sum = (k: string) => list.reduce((s, r) => s + Number(r[k] ?? 0), 0);
  return {
    input: sum('input_tokens'),
    cached: sum('cache_read_input_tokens'),
    output: sum('output_tokens'),
    reasoning: sum('reasoning_tokens'),
  };
}

test('Codex capture through the real gateway', async (t) => {
  const openai: FakeOpenAi = await startFakeOpenAi({
    script: (req) => {
      const body = JSON.stringify(req.body);
      if (body.includes('"role":"tool"') || body.includes('function_call_output'))
        return { text: `The folder holds a.txt (answer ${req.n}).` };
      if (body.includes('list the files'))
        return { text: 'Let me check.', toolCalls: [{ name: 'exec_command', arguments: { cmd: 'ls' } }] };
      return { text: 'ok' };
    },
  });
  const chatgpt: FakeOpenAi = await startFakeOpenAi({
    sseContentType: null,
    script: [{ reasoning: 'Reading the repo.', text: 'Done.' }],
  });
  t.after(() => openai.close());
  t.after(() => chatgpt.close());
  const daemon = await startDaemon({
    config: {
      plugins: {
        '@hypaware/ai-gateway': {
          listen: '127.0.0.1:0',
          upstreams: [
            { name: 'openai', base_url: openai.url, path_prefix: '/v1', provider: 'openai' },
            { name: 'chatgpt', base_url: chatgpt.url, path_prefix: '/backend-api/codex', provider: 'chatgpt' },
          ],
        },
      },
    },
  });
  t.after(() => daemon.stop());
  assert.ok(daemon.endpoint, 'the gateway listens');

  // Chat Completions: a JSON reply with a tool call, then the follow-up streamed with usage.
  const chatHistory = [
    { role: 'system', content: 'You are a shell helper.' },
    { role: 'user', content: 'Please list the files.' },
  ];
  await post(daemon, '/v1/chat/completions', { model: 'gpt-4o', messages: chatHistory });
  const chatCall = openai.replies[0]!;
  const chatFollowUp = [
    ...chatHistory,
    {
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [
        { id: chatCall.callIds[0], type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } },
      ],
    },
    { role: 'tool', tool_call_id: chatCall.callIds[0], content: 'a.txt' },
  ];
  const streamed = await post(daemon, '/v1/chat/completions', {
    model: 'gpt-4o',
    messages: chatFollowUp,
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.match(streamed, /data: \[DONE\]/, 'the client got the stream unchanged');

  // Responses: a streamed function call, then its output in the next request, then the same again.
  const input = [
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Sandbox: read-only.' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Please list the files here.' }] },
  ];
  await post(daemon, '/v1/responses', { model: 'gpt-5-codex', instructions: 'You are Codex.', input, stream: true });
  const call = openai.replies[2]!;
  const replayed = [
    ...input,
    {
      type: 'message',
      role: 'assistant',
      id: `msg_${call.n}`,
      content: [{ type: 'output_text', text: 'Let me check.' }],
    },
    {
      type: 'function_call',
      status: 'completed',
      id: `fc_${call.n}_0`,
      name: 'exec_command',
      arguments: '{"cmd":"ls"}',
      call_id: call.callIds[0],
    },
    { type: 'function_call_output', call_id: call.callIds[0], output: 'a.txt\n' },
  ];
  await post(daemon, '/v1/responses', {
    model: 'gpt-5-codex',
    instructions: 'You are Codex.',
    input: replayed,
    stream: true,
  });
  await post(daemon, '/v1/responses', {
    model: 'gpt-5-codex',
    instructions: 'You are Codex.',
    input: replayed,
    stream: true,
  });

  // The ChatGPT route with everything current Codex sends.
  const turnMetadata = {
    session_id: SESSION,
    thread_id: SESSION,
    turn_id: TURN,
    thread_source: 'user',
    sandbox: 'seccomp',
    sandbox_mode: 'workspace-write',
    request_kind: 'turn',
    turn_started_at_unix_ms: 1760000000000,
    model: 'gpt-5-codex',
    workspaces: {
      [REPO]: {
        associated_remote_urls: { origin: 'git@example.test:dev/project.git' },
        latest_git_commit_hash: 'abc123',
        has_changes: true,
      },
    },
  };
  const codexSse = await post(
    daemon,
    '/backend-api/codex/responses',
    {
      model: 'gpt-5-codex',
      stream: true,
      prompt_cache_key: SESSION,
      client_metadata: { session_id: SESSION, thread_id: SESSION, turn_id: TURN },
      input: [
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: `<environment_context>\n  <cwd>${REPO}/src</cwd>\n</environment_context>` },
          ],
        },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Summarize the repo.' }] },
      ],
    },
    {
      originator: 'codex_cli_rs',
      'user-agent': 'codex_cli_rs/0.169.0 (Debian 12; x86_64) xterm',
      'session-id': SESSION,
      'thread-id': SESSION,
      'x-codex-window-id': `${SESSION}:0`,
      'x-client-request-id': SESSION,
      'x-codex-turn-metadata': JSON.stringify(turnMetadata),
      'chatgpt-account-id': 'acct-HYPSMOKE-secret',
    },
  );
  assert.match(codexSse, /event: response.completed/);

  const db = await daemon.waitForDb(15_000);
  t.after(() => db.close());
  await waitFor(
    () => {
      const n = db
        .prepare("SELECT count(*) AS n FROM ai_gateway_exchanges WHERE projector = 'codex-exchange'")
        .get() as { n: number };
      return n.n === 6;
    },
    'six projected exchanges',
    15_000,
  );

  await t.test('Chat: tool_use and tool_result rows linked by call id, tool name resolved, usage per response', () => {
    const chat = rows(db, "attributes->>'$.openai.api' = 'chat.completions'");
    const call = chat.find((r) => r.part_type === 'tool_call')!;
    assert.equal(call.tool_name, 'exec_command');
    assert.equal(call.tool_call_id, chatCall.callIds[0]);
    assert.deepEqual(JSON.parse(String(call.tool_args)), { cmd: 'ls' });
    const result = chat.find((r) => r.part_type === 'tool_result')!;
    assert.equal(result.role, 'tool');
    assert.equal(result.tool_result_for, chatCall.callIds[0]);
    assert.equal(result.tool_name, 'exec_command');
    assert.equal(result.content_text, 'a.txt');
    assert.deepEqual(
      chat.map((r) => r.role),
      ['system', 'user', 'assistant', 'assistant', 'tool', 'assistant'],
    );
    assert.equal(new Set(chat.map((r) => r.conversation_id)).size, 1, 'both requests in one conversation');
    assert.deepEqual(sumUsage(chat), netUsage(openai.replies.slice(0, 2)));
    assert.equal(chat.filter((r) => r.input_tokens !== null).length, 2, 'one carrier row per response');
    assert.equal(chat[chat.length - 1]!.content_text, 'The folder holds a.txt (answer 2).');
    assert.equal(JSON.parse(String(chat[chat.length - 1]!.status)).finish_reason, 'stop');
  });

  await t.test(
    'Responses: function call and output linked, instructions as system_text, re-sent history not duplicated',
    () => {
      const resp = rows(db, "attributes->>'$.openai.api' = 'responses' AND provider = 'openai'");
      assert.deepEqual(
        resp.map((r) => [r.role, r.part_type]),
        [
          ['developer', 'text'],
          ['user', 'text'],
          ['assistant', 'text'],
          ['assistant', 'tool_call'],
          ['tool', 'tool_result'],
          ['assistant', 'text'],
          ['assistant', 'text'],
        ],
        'the third request added only its reply',
      );
      assert.equal(new Set(resp.map((r) => r.part_id)).size, resp.length);
      const [callRow, resultRow] = [resp[3]!, resp[4]!];
      assert.equal(callRow.tool_call_id, call.callIds[0]);
      assert.equal(resultRow.tool_result_for, call.callIds[0]);
      assert.equal(resultRow.tool_name, 'exec_command');
      assert.deepEqual(JSON.parse(String(resultRow.previous_message_id)), [callRow.message_id]);
      assert.deepEqual(
        JSON.parse(String(callRow.previous_message_id)),
        [resp[2]!.message_id],
        'one message per output item',
      );
      assert.ok(resp.every((r) => r.system_text === 'You are Codex.'));
      assert.deepEqual(sumUsage(resp), netUsage(openai.replies.slice(2, 5)));
      assert.equal(
        callRow.input_tokens,
        call.usage.input - call.usage.cached,
        'usage on the last item of the response',
      );
      assert.equal(resp[2]!.input_tokens, null);
      assert.equal(JSON.parse(String(callRow.status)).finish_reason, 'tool_use');
    },
  );

  await t.test('the ChatGPT route: every Codex column, git facts, usage, no secret on disk', () => {
    const codex = rows(db, 'provider = ?', 'chatgpt');
    assert.deepEqual(
      codex.map((r) => [r.role, r.part_type]),
      [
        ['user', 'text'],
        ['user', 'text'],
        ['assistant', 'reasoning'],
        ['assistant', 'text'],
      ],
    );
    for (const r of codex) {
      assert.equal(r.session_id, SESSION);
      assert.equal(r.conversation_id, SESSION);
      assert.equal(r.cwd, `${REPO}/src`);
      assert.equal(r.client_name, 'codex');
      assert.equal(r.client_version, '0.169.0');
      assert.equal(r.entrypoint, 'codex_cli_rs');
      assert.equal(r.user_type, 'user');
      assert.equal(r.permission_mode, 'workspace-write');
      assert.equal(r.is_sidechain, 0);
      assert.equal(r.prompt_id, TURN);
      assert.equal(r.request_id, `req_fake_1`);
      assert.equal(r.conversation_source, 'codex');
      const attrs = JSON.parse(String(r.attributes)) as { codex: Record<string, unknown> };
      assert.equal(attrs.codex.workspace, REPO);
      assert.equal(attrs.codex.git_origin_url, 'git@example.test:dev/project.git');
      assert.equal(attrs.codex.git_commit, 'abc123');
      assert.equal(attrs.codex.window_id, `${SESSION}:0`);
    }
    assert.equal(codex[2]!.content_text, 'Reading the repo.');
    assert.deepEqual(sumUsage(codex), netUsage(chatgpt.replies));
    const stored = db
      .prepare("SELECT request_headers FROM ai_gateway_exchanges WHERE path LIKE '/backend-api/%'")
      .get() as { request_headers: string };
    assert.ok(
      !stored.request_headers.includes('acct-HYPSMOKE-secret') &&
        !stored.request_headers.includes('HYPSMOKE0000notARealKey'),
    );
  });
});
