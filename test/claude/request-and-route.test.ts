import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasAnthropicSignature, isAnthropicTraffic } from '@hypaware/claude/anthropic-route';
import { clientIdentity, parseUserId } from '@hypaware/claude/wire/client-identity';
import { parseMessagesRequest, systemText } from '@hypaware/claude/wire/messages-request';
import { activateClaude, claudeCodeRequest, exchange, replyEvents } from './claude-harness.js';

const SESSION = '4157929f-93f3-4683-b612-476eac74db8e';

describe('Messages request', () => {
  test('system as a string or as blocks; tools, metadata and settings kept; malformed messages dropped', () => {
    const req = parseMessagesRequest(
      JSON.stringify({
        model: 'claude-opus-4-8',
        max_tokens: 64000,
        stream: true,
        thinking: { type: 'adaptive' },
        context_management: { edits: [] },
        output_config: { effort: 'high' },
        system: [
          { type: 'text', text: 'A' },
          { type: 'text', text: 'B', cache_control: { type: 'ephemeral' } },
        ],
        tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
        metadata: { user_id: 'x' },
        messages: [
          { role: 'user', content: 'hi' },
          'junk',
          { content: 'no role' },
          { role: 'assistant', content: [{ type: 'text', text: 'yo' }] },
        ],
      }),
    );
    assert.ok(req);
    assert.equal(req.model, 'claude-opus-4-8');
    assert.equal(req.system_text, 'A\n\nB');
    assert.deepEqual(req.tools, [{ name: 'Bash', input_schema: { type: 'object' } }]);
    assert.deepEqual(req.metadata, { user_id: 'x' });
    assert.deepEqual(req.messages, [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'yo' }] },
    ]);
    assert.deepEqual(req.settings, {
      max_tokens: 64000,
      stream: true,
      thinking: { type: 'adaptive' },
      context_management: { edits: [] },
      output_config: { effort: 'high' },
    });
    assert.equal(systemText('You are Claude Code.'), 'You are Claude Code.');
    assert.equal(systemText(''), undefined);
  });

  test('bodies that are not a JSON object are refused', () => {
    for (const body of [null, '', '[1]', '"x"', '{"model":'])
      assert.equal(parseMessagesRequest(body), undefined, String(body));
  });
});

describe('Claude Code identity', () => {
  test('metadata.user_id: legacy form, JSON-string form (2.1.78+), object form', () => {
    assert.deepEqual(
      parseUserId(`user_${'ab'.repeat(32)}_account_11111111-2222-3333-4444-555555555555_session_${SESSION}`),
      {
        device_id: 'ab'.repeat(32),
        account_uuid: '11111111-2222-3333-4444-555555555555',
        session_id: SESSION,
      },
    );
    assert.deepEqual(parseUserId(`user_${'ab'.repeat(32)}_account__session_${SESSION}`), {
      device_id: 'ab'.repeat(32),
      session_id: SESSION,
    });
    assert.deepEqual(parseUserId(JSON.stringify({ device_id: 'd1', account_uuid: '', session_id: SESSION })), {
      device_id: 'd1',
      session_id: SESSION,
    });
    assert.deepEqual(parseUserId({ session_id: SESSION, account_uuid: 'acc' }), {
      session_id: SESSION,
      account_uuid: 'acc',
    });
    assert.deepEqual(parseUserId('some-opaque-id'), {});
    assert.deepEqual(parseUserId('{broken'), {});
  });

  test('the session header wins over metadata; agents, version, entrypoint from headers', () => {
    const id = clientIdentity(
      {
        'user-agent': 'claude-cli/2.1.197 (external, sdk-cli)',
        'x-claude-code-session-id': SESSION,
        'x-claude-code-agent-id': 'ab09bcf062099a0e6',
        'X-Claude-Code-Parent-Agent-Id': ['', 'parent1'],
      },
      { user_id: JSON.stringify({ session_id: 'other-session' }) },
    );
    assert.deepEqual(id, {
      is_claude_code: true,
      session_id: SESSION,
      agent_id: 'ab09bcf062099a0e6',
      parent_agent_id: 'parent1',
      client_version: '2.1.197',
      user_type: 'external',
      entrypoint: 'sdk-cli',
    });
    assert.deepEqual(
      clientIdentity(
        { 'user-agent': 'claude-cli/0.2.107 (external)' },
        { user_id: `user_aa_account__session_${SESSION}` },
      ),
      {
        is_claude_code: true,
        session_id: SESSION,
        device_id: 'aa',
        client_version: '0.2.107',
        user_type: 'external',
      },
    );
    assert.deepEqual(clientIdentity({ 'user-agent': 'anthropic-sdk-python/0.40' }, undefined), {
      is_claude_code: false,
    });
  });
});

describe('what is Anthropic traffic', () => {
  test('messages paths with any prefix or query; the signature headers; never an OpenAI path', () => {
    assert.equal(isAnthropicTraffic('/v1/messages', {}), true);
    assert.equal(isAnthropicTraffic('/anthropic/v1/messages', {}), true);
    assert.equal(isAnthropicTraffic('/v1/messages/count_tokens', {}), true);
    assert.equal(isAnthropicTraffic('/v1/models', { 'anthropic-version': '2023-06-01' }), true);
    assert.equal(isAnthropicTraffic('/v1/models', { authorization: 'Bearer sk-ant-…' }), true);
    assert.equal(isAnthropicTraffic('/v1/models', { authorization: 'Bearer sk-proj-…' }), false);
    for (const path of [
      '/v1/responses',
      '/v1/chat/completions',
      '/v1/completions',
      '/backend-api/codex/responses',
      '/v1/responses/resp_1',
    ]) {
      assert.equal(
        isAnthropicTraffic(path, { 'x-api-key': ['sk-ant-…'], 'anthropic-version': ['2023-06-01'] }),
        false,
        path,
      );
    }
    assert.equal(hasAnthropicSignature({ 'X-Api-Key': 'k' }), true);
    assert.equal(hasAnthropicSignature({ 'x-api-key': ['  '] }), false);
  });

  test("the preset routes by the same rule (Bun's HEAD / preflight is not Anthropic)", () => {
    const rig = activateClaude();
    assert.deepEqual(rig.required, [{ name: 'hypaware.ai-gateway', range: '^2.0.0' }]);
    const preset = rig.presets[0]!;
    const { name, base_url, provider, path_prefix, priority } = preset;
    assert.deepEqual(
      { name, base_url, provider, path_prefix, priority },
      {
        name: 'anthropic',
        base_url: 'https://api.anthropic.com',
        provider: 'anthropic',
        path_prefix: '/v1/messages',
        priority: 100,
      },
    );
    assert.equal(preset.match!({ method: 'POST', path: '/v1/messages', headers: {} }), true);
    assert.equal(preset.match!({ method: 'POST', path: '/v1/responses', headers: { 'x-api-key': ['k'] } }), false);
    assert.equal(preset.match!({ method: 'HEAD', path: '/', headers: { 'user-agent': ['Bun/1.4.0'] } }), false);
    assert.equal(rig.projector.name, 'claude-anthropic-messages');
    assert.equal(
      rig.projector.match(
        exchange({
          path: '/v1/chat/completions',
          pathname: '/v1/chat/completions',
          request_headers: { 'x-api-key': 'sk-ant-…' },
        }),
      ),
      false,
    );
  });

  test('every mode registers the preset, projector and client; only the CLI adds the command and diagnostics', () => {
    for (const mode of ['daemon', 'cli'] as const) {
      const rig = activateClaude({ mode });
      assert.deepEqual(
        [rig.presets.length, rig.projector.name, rig.clients.map((c) => [c.name, c.defaultUpstream])],
        [1, 'claude-anthropic-messages', [['claude', 'anthropic']]],
        mode,
      );
      assert.deepEqual(
        [rig.commands.map((c) => c.name), rig.diagnostics.length],
        mode === 'cli' ? [['claude'], 1] : [[], 0],
        mode,
      );
    }
  });

  test('count_tokens is claimed but projects no rows; an unparseable body logs a skip', async () => {
    const rig = activateClaude();
    const counted = exchange({
      path: '/v1/messages/count_tokens?beta=true',
      pathname: '/v1/messages/count_tokens',
      request_body: '{"model":"m","messages":[{"role":"user","content":"hi"}]}',
      is_sse: false,
      response_body: '{"input_tokens":42}',
    });
    assert.equal(rig.projector.match(counted), true);
    assert.equal(await rig.project(counted), undefined);
    assert.equal(await rig.project(exchange({ request_body: 'not json' })), undefined);
    assert.deepEqual(
      rig.logs.map((l) => [l.event, l.fields?.reason]),
      [['claude.projector_skip', 'unparseable_request_body']],
    );
  });

  test('plain API traffic (no Claude Code): conversation from the first message, source api, no recheck', async () => {
    const rig = activateClaude();
    const body = JSON.stringify({
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'ping' }],
    });
    const p = await rig.project(
      exchange({
        request_headers: { 'anthropic-version': '2023-06-01', 'user-agent': 'curl/8' },
        request_body: body,
        stream_events: replyEvents('msg_api', [{ type: 'text', text: 'pong' }], { input: 3, output: 1 }),
      }),
    );
    assert.ok(p);
    assert.equal(p.conversation_source, 'api');
    assert.match(p.conversation_id, /^[0-9a-f]{16}$/);
    assert.equal(p.session_id, undefined);
    assert.equal(p.recheck_after_ms, undefined);
    assert.deepEqual(
      p.messages.map((m) => [m.role, m.content, m.usage]),
      [
        ['user', [{ type: 'text', text: 'ping' }], undefined],
        [
          'assistant',
          [{ type: 'text', text: 'pong' }],
          { input_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 1 },
        ],
      ],
    );
  });

  test('projection fields of a Claude Code exchange', async () => {
    const rig = activateClaude();
    const req = claudeCodeRequest({ sessionId: SESSION, messages: [{ role: 'user', content: 'hi' }] });
    const p = await rig.project(
      exchange({
        ...req,
        response_headers: { 'content-type': 'text/event-stream', 'request-id': 'req_011fixed' },
        stream_events: replyEvents('msg_1', [{ type: 'text', text: 'hello' }], {
          input: 12,
          output: 7,
          cacheRead: 100,
          cacheWrite: 5,
        }),
      }),
    );
    assert.ok(p);
    const { messages, attributes, ...fields } = p;
    assert.deepEqual(fields, {
      provider: 'anthropic',
      conversation_id: SESSION,
      session_id: SESSION,
      conversation_source: 'claude_code',
      client_name: 'claude',
      is_sidechain: false,
      client_version: '2.1.197',
      entrypoint: 'sdk-cli',
      user_type: 'external',
      model: 'claude-opus-4-8',
      system_text: 'x-anthropic-billing-header: cc_version=2.1.197.0df;\n\nYou are Claude Code.',
      tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object' } }],
      request_id: 'req_011fixed',
      billing: 'api',
      recheck_after_ms: 1500,
    });
    assert.deepEqual(attributes, {
      request: { max_tokens: 64000, thinking: { type: 'adaptive' }, stream: true },
      provider_raw: {
        metadata: { user_id: JSON.stringify({ device_id: 'd'.repeat(64), account_uuid: '', session_id: SESSION }) },
        response_id: 'msg_1',
        response_model: 'claude-opus-4-8',
      },
      timing: { latency_ms: 1000 },
      claude: { transcript_found: false },
    });
    const reply = messages[messages.length - 1]!;
    assert.deepEqual(reply.usage, {
      input_tokens: 12,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 5,
      output_tokens: 7,
    });
    assert.equal(reply.request_id, 'req_011fixed');
    assert.deepEqual(reply.finish, { reason: 'stop' }, 'end_turn');
  });

  test('the preset brings its protocol: Anthropic-shaped gateway errors, probes, credential headers', () => {
    const preset = activateClaude().presets[0]!;
    const shape = preset.error_shape!;
    assert.equal(shape.recognizes!({ method: 'POST', path: '/v1/messages', headers: {} }), true);
    assert.equal(
      shape.recognizes!({ method: 'POST', path: '/elsewhere', headers: { 'anthropic-version': ['2023-06-01'] } }),
      true,
    );
    assert.equal(shape.recognizes!({ method: 'POST', path: '/v1/chat/completions', headers: {} }), false);
    assert.deepEqual(shape.body({ status: 502, code: 'no_upstream_match', message: 'm' }), {
      type: 'error',
      error: { type: 'api_error', message: 'm' },
    });
    assert.ok(preset.probes!.some((p) => p.path === '/v1/messages'));
    assert.ok(preset.secret_headers!.includes('x-api-key'));
  });
});
