import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ProjectedExchange, ProjectedMessage } from '@hypaware/ai-gateway';
import { fallbackMessageId } from '@hypaware/ai-gateway/internal/recorder/message-identity.js';
import { identityOf, partOf } from '@hypaware/claude/projector/parts';
import type { Block } from '@hypaware/claude/wire/content-keys';
import {
  activateClaude,
  claudeCodeRequest,
  exchange,
  IdentityTable,
  replyEvents,
  TranscriptWriter,
  transcriptPath,
  wirePrompt,
  type ClaudeRig,
} from './claude-harness.js';

const SYSTEM_MSG = { role: 'system', content: 'Available agent types for the Agent tool: ...' };
const USAGE_1 = { input: 12, output: 20, cacheRead: 100, cacheWrite: 5 };
const USAGE_2 = { input: 13, output: 7, cacheRead: 100, cacheWrite: 5 };
const asUsage = (u: typeof USAGE_1) => ({
  input_tokens: u.input,
  cache_read_input_tokens: u.cacheRead,
  cache_creation_input_tokens: u.cacheWrite,
  output_tokens: u.output,
});

function claude(m: ProjectedMessage): Record<string, unknown> {
  return (m.attributes?.claude ?? {}) as Record<string, unknown>;
}

/** identified by a transcript line */
function isNative(m: ProjectedMessage): boolean {
  return claude(m).identity_source === 'transcript';
}

/** The probe session: prompt, reply with text + Bash tool_use, tool result, final text. */
function toolSession(rig: ClaudeRig) {
  const session = randomUUID();
  const writer = new TranscriptWriter(transcriptPath(rig.projectsDir, '/work/repo', session), session);
  const blocks1 = [
    { type: 'text' as const, text: 'Let me run it.' },
    { type: 'tool_use' as const, id: 'toolu_probe2', name: 'Bash', input: { command: 'echo hello-probe' } },
  ];
  const blocks2 = [{ type: 'text' as const, text: 'Done.' }];
  const history1 = [wirePrompt('run echo'), SYSTEM_MSG];
  const history2 = [
    ...history1,
    { role: 'assistant', content: blocks1 },
    {
      role: 'user',
      content: [
        {
          tool_use_id: 'toolu_probe2',
          type: 'tool_result',
          content: 'hello-probe',
          is_error: false,
          cache_control: { type: 'ephemeral' },
        },
      ],
    },
  ];
  const ex1 = exchange({
    ...claudeCodeRequest({ sessionId: session, messages: history1 }),
    stream_events: replyEvents('msg_1', blocks1, USAGE_1, 'tool_use'),
    response_headers: { 'request-id': 'req_1' },
  });
  const ex2 = exchange({
    ...claudeCodeRequest({ sessionId: session, messages: history2 }),
    stream_events: replyEvents('msg_2', blocks2, USAGE_2),
    response_headers: { 'request-id': 'req_2' },
  });
  const uuids: Record<string, string | string[]> = {};
  return {
    session,
    writer,
    ex1,
    ex2,
    uuids,
    writePrompt() {
      uuids.prompt = writer.prompt('run echo');
      writer.attachment('agent_listing_delta');
      writer.attachment('skill_listing');
    },
    writeReply1() {
      uuids.reply1 = writer.assistant('msg_1', 'req_1', blocks1, asUsage(USAGE_1));
    },
    writeToolResult() {
      uuids.result = writer.toolResult('toolu_probe2', 'hello-probe', (uuids.reply1 as string[])[1]!);
    },
    writeReply2() {
      uuids.reply2 = writer.assistant('msg_2', 'req_2', blocks2, asUsage(USAGE_2));
    },
  };
}

/**
 * A session whose transcript holds prompt A, the reply text R and prompt B; the exchange of
 * the next turn sends that history and is answered by `replyId` with the same text R.
 */
function twoPrompts(rig: ClaudeRig, promptA: string, replyText: string, promptB: string) {
  const session = randomUUID();
  const w = new TranscriptWriter(transcriptPath(rig.projectsDir, '/w', session), session, '/w');
  const ids = [
    w.prompt(promptA),
    w.assistant('msg_first', 'req_first', [{ type: 'text', text: replyText }], asUsage(USAGE_1))[0]!,
    w.prompt(promptB),
  ];
  const messages = [
    wirePrompt(promptA),
    { role: 'assistant', content: [{ type: 'text', text: replyText }] },
    wirePrompt(promptB),
  ];
  const exchangeAnswered = (replyId: string) =>
    exchange({
      ...claudeCodeRequest({ sessionId: session, messages }),
      stream_events: replyEvents(replyId, [{ type: 'text', text: replyText }], USAGE_2),
    });
  return { w, ids, messages, exchangeAnswered };
}

async function must(p: Promise<ProjectedExchange | undefined>): Promise<ProjectedExchange> {
  const out = await p;
  assert.ok(out, 'expected a projection');
  return out;
}

describe('native identity from Claude Code transcripts (one line per assistant block)', () => {
  test('a reply not yet in the transcript gets fallback identity, a match key and a re-check; the re-check settles it', async () => {
    const rig = activateClaude();
    const s = toolSession(rig);
    s.writePrompt();
    const first = await must(rig.project(s.ex1));
    assert.equal(first.recheck_after_ms, 1500);
    const idKind = (m: ProjectedMessage) =>
      m.message_id === undefined ? null : m.message_id.startsWith('wire_') ? 'wire' : m.message_id;
    assert.deepEqual(
      first.messages.map((m) => [m.role, idKind(m), claude(m).identity_source, claude(m).wire_only ?? false]),
      [
        ['user', 'wire', 'wire', true],
        ['user', s.uuids.prompt, 'transcript', false],
        ['system', 'wire', 'wire', true],
        ['assistant', null, 'gateway_fallback', false],
        ['assistant', null, 'gateway_fallback', false],
      ],
    );
    assert.equal(first.messages[2]!.previous_message_id, undefined, 'harness context is outside the transcript chain');
    const prompt = first.messages[1]!;
    assert.deepEqual(prompt.previous_message_id, []);
    assert.deepEqual(prompt.content, [{ type: 'text', text: 'run echo' }]);
    assert.equal(prompt.native_columns?.provider_type, 'user');
    assert.equal(prompt.cwd, '/work/repo');
    assert.equal(prompt.git_branch, 'main');
    assert.equal(prompt.permission_mode, 'default');
    assert.equal(prompt.is_sidechain, false);
    assert.equal(typeof prompt.prompt_id, 'string');
    const [textFallback, callFallback] = first.messages.slice(3);
    assert.equal(textFallback!.usage, undefined, 'usage sits on the last block only');
    assert.deepEqual(callFallback!.usage, asUsage(USAGE_1));
    assert.deepEqual(callFallback!.finish, { reason: 'tool_call', recorded_as: 'tool_use' });
    assert.equal(textFallback!.finish, undefined);
    assert.equal(callFallback!.request_id, 'req_1');
    assert.equal(callFallback!.message_created_at, s.ex1.ts_end);

    s.writeReply1();
    const settled = await must(rig.project(s.ex1, 1));
    assert.equal(settled.recheck_after_ms, undefined);
    const [text, call] = settled.messages.slice(3);
    assert.deepEqual([text!.message_id, call!.message_id], s.uuids.reply1);
    assert.deepEqual(
      text!.previous_message_id,
      [s.writer.lines[2]!.uuid],
      'the parent is the line before it: the last attachment',
    );
    assert.deepEqual(call!.previous_message_id, [text!.message_id]);
    assert.equal(text!.match_key, textFallback!.match_key, 'the same key before and after the transcript line exists');
    assert.equal(call!.match_key, callFallback!.match_key);
    assert.deepEqual(call!.usage, asUsage(USAGE_1));
    assert.equal(claude(call!).usage_source, 'wire');
    assert.equal(call!.request_id, 'req_1');
    assert.equal(call!.native_columns?.provider_type, 'assistant');
    assert.equal(call!.raw_frame?.uuid, call!.message_id);
    assert.equal(
      (call!.raw_frame?.message as Record<string, unknown>).content,
      undefined,
      'the content is in the parts, not repeated in raw_frame',
    );
  });

  test('the whole tool loop ends with every transcript line once, native, and the session usage once per response', async () => {
    for (const order of ['recheck-first', 'next-exchange-first'] as const) {
      const rig = activateClaude();
      const s = toolSession(rig);
      const table = new IdentityTable();
      s.writePrompt();
      table.write(await must(rig.project(s.ex1)));
      s.writeReply1();
      s.writeToolResult();
      if (order === 'recheck-first') {
        table.write(await must(rig.project(s.ex1, 1)));
        table.write(await must(rig.project(s.ex2)));
      } else {
        table.write(await must(rig.project(s.ex2)));
        table.write(await must(rig.project(s.ex1, 1)));
      }
      s.writeReply2();
      const last = await must(rig.project(s.ex2, 1));
      assert.equal(last.recheck_after_ms, undefined);
      table.write(last);

      const transcriptMessages = s.writer.lines
        .filter((l) => l.type === 'user' || l.type === 'assistant')
        .map((l) => l.uuid as string);
      assert.deepEqual(
        table
          .nativeIds()
          .filter((id) => !id.startsWith('wire_'))
          .sort(),
        [...transcriptMessages].sort(),
        order,
      );
      for (const line of s.writer.lines.filter((l) => l.type === 'user' || l.type === 'assistant')) {
        const row = table.rows.get(line.uuid as string)!;
        assert.deepEqual(
          row.message.previous_message_id,
          line.parentUuid ? [line.parentUuid] : [],
          `${order}: parent of ${line.uuid}`,
        );
      }
      assert.deepEqual(table.fallback(), [], `${order}: no fallback row is left`);
      assert.deepEqual(
        [...table.rows.values()].filter((r) => claude(r.message).wire_only).map((r) => r.message.role),
        ['user', 'system'],
        `${order}: harness context once, with stable ids`,
      );
      assert.deepEqual(
        table.totalUsage(),
        { input_tokens: 25, output_tokens: 27, cache_read_input_tokens: 200, cache_creation_input_tokens: 10 },
        order,
      );
      const toolResult = table.rows.get(s.uuids.result as string)!.message;
      assert.equal(toolResult.native_columns?.source_tool_assistant_uuid, (s.uuids.reply1 as string[])[1]);
      assert.deepEqual((toolResult.content as unknown as Array<Record<string, unknown>>)[0]!.call_id, 'toolu_probe2');
    }
  });

  test('history carriers take usage from the transcript after a restart (no wire usage in memory)', async () => {
    const rig = activateClaude();
    const s = toolSession(rig);
    s.writePrompt();
    s.writeReply1();
    s.writeToolResult();
    const p = await must(rig.project(s.ex2));
    const call = p.messages.find((m) => m.message_id === (s.uuids.reply1 as string[])[1])!;
    assert.deepEqual(call.usage, asUsage(USAGE_1));
    assert.equal(claude(call).usage_source, 'transcript');
    assert.equal(p.messages.find((m) => m.message_id === (s.uuids.reply1 as string[])[0])!.usage, undefined);
  });

  test('re-checks stop after the configured attempts', async () => {
    const rig = activateClaude();
    const s = toolSession(rig);
    s.writePrompt();
    assert.deepEqual(
      await Promise.all([0, 1, 2, 3].map(async (a) => (await must(rig.project(s.ex1, a))).recheck_after_ms)),
      [1500, 3000, 6000, undefined],
    );
  });
});

describe('identity edge cases', () => {
  test('older transcripts: one line holds the whole assistant message, and the row follows the line', async () => {
    const rig = activateClaude();
    const session = randomUUID();
    const w = new TranscriptWriter(transcriptPath(rig.projectsDir, '/work/old', session), session, '/work/old', 'dev');
    const prompt = w.prompt('list files');
    const blocks = [
      { type: 'thinking' as const, thinking: 'List.', signature: 'c2ln' },
      { type: 'tool_use' as const, id: 'toolu_old', name: 'Bash', input: { command: 'ls' } },
    ];
    const [line] = w.assistant('msg_old', 'req_old', blocks, asUsage(USAGE_1), 'single-line');
    const result = w.toolResult('toolu_old', 'a.txt', line!);
    const p = await must(
      rig.project(
        exchange({
          ...claudeCodeRequest({
            sessionId: session,
            messages: [
              wirePrompt('list files'),
              { role: 'assistant', content: blocks },
              { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_old', content: 'a.txt' }] },
            ],
          }),
          stream_events: replyEvents('msg_new', [{ type: 'text', text: 'a.txt' }], USAGE_2),
        }),
      ),
    );
    const native = p.messages.filter(isNative);
    assert.deepEqual(
      native.map((m) => m.message_id),
      [prompt, line, result],
    );
    assert.deepEqual(
      native[1]!.content,
      blocks.map((b) => partOf(b)),
      'both blocks of the line are parts of one message',
    );
    assert.deepEqual(native[1]!.usage, asUsage(USAGE_1), 'the line is the last of its message: it carries the usage');
    assert.equal(native[1]!.git_branch, 'dev');
  });

  test('only the reply uses its message id; an identical older reply keeps its own line', async () => {
    const rig = activateClaude();
    const {
      w,
      ids: [p1, a1, p2],
      exchangeAnswered,
    } = twoPrompts(rig, 'one', 'OK', 'two');
    const ex = exchangeAnswered('msg_a2');
    const before = (await must(rig.project(ex))).messages.filter((m) => !claude(m).wire_only);
    assert.deepEqual(
      before.map((m) => m.message_id ?? null),
      [p1, a1, p2, null],
      'the reply is not matched to the older identical line',
    );
    const [a2] = w.assistant('msg_a2', 'req_a2', [{ type: 'text', text: 'OK' }], asUsage(USAGE_2));
    const after = (await must(rig.project(ex, 1))).messages.filter((m) => !claude(m).wire_only);
    assert.deepEqual(
      after.map((m) => m.message_id ?? null),
      [p1, a1, p2, a2],
    );
    // an earlier attempt at the same turn (cancelled, never written) with the same text
    const other = (await must(rig.project(exchangeAnswered('msg_abandoned'), 1))).messages.filter(
      (m) => !claude(m).wire_only,
    );
    assert.deepEqual(
      other.map((m) => m.message_id ?? null),
      [p1, a1, p2, null],
      'a reply never takes a line written for another message id',
    );
  });

  test('a prompt repeated verbatim keeps one row per transcript line (native and fallback)', async () => {
    const rig = activateClaude();
    const {
      ids: [y1, r1, y2],
      messages,
      exchangeAnswered,
    } = twoPrompts(rig, 'yes', 'Done.', 'yes');
    const p = await must(rig.project(exchangeAnswered('msg_r2')));
    const units = p.messages.filter((m) => !claude(m).wire_only);
    assert.deepEqual(
      units.map((m) => m.message_id ?? null),
      [y1, r1, y2, null],
    );
    const keys = units.map((m) => m.match_key);
    assert.equal(new Set(keys).size, 4, 'repeated content gets distinct match keys');

    const noTranscript = activateClaude();
    const q = await must(
      noTranscript.project(
        exchange({
          ...claudeCodeRequest({ sessionId: randomUUID(), messages }),
          stream_events: replyEvents('msg_r2', [{ type: 'text', text: 'Done.' }], USAGE_2),
        }),
      ),
    );
    assert.equal(new Set(q.messages.filter((m) => !claude(m).wire_only).map((m) => m.match_key)).size, 4);
  });

  test('sub-agent traffic reads the agent transcript, is a sidechain, and scopes its match keys', async () => {
    const rig = activateClaude();
    const session = randomUUID();
    const mainPath = transcriptPath(rig.projectsDir, '/w', session);
    const main = new TranscriptWriter(mainPath, session, '/w');
    main.prompt('delegate');
    const agentId = 'ab09bcf062099a0e6';
    const agent = new TranscriptWriter(
      join(mainPath.slice(0, -'.jsonl'.length), 'subagents', `agent-${agentId}.jsonl`),
      session,
      '/w',
      'main',
      { isSidechain: true, agentId },
    );
    const ap = agent.prompt('Say hi please');
    const [ar] = agent.assistant('msg_sub', 'req_sub', [{ type: 'text', text: 'agent says hi' }], asUsage(USAGE_2));
    // lineage: the .meta.json Claude Code writes beside the sub-agent transcript
    writeFileSync(
      join(mainPath.slice(0, -'.jsonl'.length), 'subagents', `agent-${agentId}.meta.json`),
      JSON.stringify({ agentType: 'Explore', description: 'look', toolUseId: 'toolu_spawner' }),
    );
    const ex = exchange({
      ...claudeCodeRequest({ sessionId: session, agentId, messages: [wirePrompt('Say hi please')] }),
      stream_events: replyEvents('msg_sub', [{ type: 'text', text: 'agent says hi' }], USAGE_2),
    });
    const p = await must(rig.project(ex));
    assert.equal(p.agent_id, agentId);
    assert.equal(p.agent_type, 'Explore');
    assert.equal(p.parent_tool_call_id, 'toolu_spawner');
    assert.equal(p.is_sidechain, true);
    assert.equal(p.conversation_id, session);
    const units = p.messages.filter((m) => !claude(m).wire_only);
    assert.deepEqual(
      units.map((m) => [m.message_id, m.is_sidechain, m.agent_id]),
      [
        [ap, true, agentId],
        [ar, true, agentId],
      ],
    );
    const mainEx = exchange({
      ...claudeCodeRequest({ sessionId: session, messages: [wirePrompt('Say hi please')] }),
      stream_events: replyEvents('msg_x', [{ type: 'text', text: 'agent says hi' }], USAGE_2),
    });
    const mainProjection = await must(rig.project(mainEx));
    assert.equal(mainProjection.agent_type, undefined);
    assert.equal(mainProjection.parent_tool_call_id, undefined);
    const mainUnits = mainProjection.messages.filter((m) => !claude(m).wire_only);
    assert.notEqual(mainUnits[0]!.match_key, units[0]!.match_key);
  });

  test('the hook record names the transcript (anywhere) and gives cwd and branch at the time of the exchange', async () => {
    const rig = activateClaude();
    const session = randomUUID();
    const path = join(rig.home, 'elsewhere', `${session}.jsonl`);
    const w = new TranscriptWriter(path, session, '/from/transcript');
    const prompt = w.prompt('hi');
    const record = (ts: string, cwd: string, branch?: string) =>
      JSON.stringify({
        session_id: session,
        cwd,
        transcript_path: path,
        hook_event: 'CwdChanged',
        ts,
        ...(branch ? { git_branch: branch } : {}),
      }) + '\n';
    writeFileSync(
      rig.stateFile,
      record('2026-11-24T08:00:00.000Z', '/repo/a', 'main') + record('2026-11-24T10:00:00.000Z', '/repo/b', 'feature'),
    );
    const ex = exchange({
      ...claudeCodeRequest({ sessionId: session, messages: [wirePrompt('hi')] }),
      stream_events: replyEvents('msg_h', [{ type: 'text', text: 'hello' }], USAGE_2),
    });
    const p = await must(rig.project(ex));
    assert.equal(p.cwd, '/repo/a', 'the place recorded before the exchange, not the later one');
    assert.equal(p.git_branch, 'main');
    assert.equal(p.messages.find(isNative)?.message_id, prompt);
    assert.equal(p.messages.find(isNative)?.cwd, '/from/transcript', 'a matched line keeps its own cwd');
  });

  test('without hook or transcript, cwd falls back to nothing and the exchange still projects', async () => {
    const rig = activateClaude();
    const ex = exchange({
      ...claudeCodeRequest({ sessionId: randomUUID(), messages: [wirePrompt('hi')] }),
      stream_events: replyEvents('msg_n', [{ type: 'text', text: 'hello' }], USAGE_2),
    });
    const p = await must(rig.project(ex));
    assert.equal(p.cwd, undefined);
    assert.equal(p.recheck_after_ms, 1500);
    assert.deepEqual(p.attributes?.claude, { transcript_found: false });
    // the one re-check finds still no transcript: its projection would equal the first (all
    // stored) and ask for no other, so the projector skips it before parsing the body again
    assert.equal(await rig.project(ex, 1), undefined, 'with no transcript and no hook record, one futile re-check');
  });

  test('a transcript replaced on disk (same path, new file) is read again from the start', async () => {
    const rig = activateClaude();
    const session = randomUUID();
    const path = transcriptPath(rig.projectsDir, '/w', session);
    const w1 = new TranscriptWriter(path, session, '/w');
    w1.prompt('hi');
    const ex = exchange({
      ...claudeCodeRequest({ sessionId: session, messages: [wirePrompt('hi')] }),
      stream_events: replyEvents('msg_r', [{ type: 'text', text: 'yo' }], USAGE_2),
    });
    await must(rig.project(ex));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(`${path}.new`, '');
    const w2 = new TranscriptWriter(`${path}.new`, session, '/w');
    const replaced = w2.prompt('hi');
    const { renameSync } = await import('node:fs');
    renameSync(`${path}.new`, path);
    const p = await must(rig.project(ex, 1));
    assert.equal(p.messages.find(isNative)?.message_id, replaced);
  });

  test('partial last line: a line being written is not read until it is complete', async () => {
    const rig = activateClaude();
    const session = randomUUID();
    const path = transcriptPath(rig.projectsDir, '/w', session);
    mkdirSync(join(path, '..'), { recursive: true });
    const line = JSON.stringify({
      parentUuid: null,
      type: 'user',
      message: { role: 'user', content: 'hi' },
      uuid: 'u-1',
      sessionId: session,
      timestamp: '2026-11-24T09:00:00.000Z',
    });
    appendFileSync(path, line.slice(0, 40));
    const ex = exchange({
      ...claudeCodeRequest({ sessionId: session, messages: [wirePrompt('hi')] }),
      stream_events: replyEvents('msg_r', [{ type: 'text', text: 'yo' }], USAGE_2),
    });
    assert.equal((await must(rig.project(ex))).messages.some(isNative), false);
    appendFileSync(path, line.slice(40) + '\n');
    assert.equal((await must(rig.project(ex, 1))).messages.find(isNative)?.message_id, 'u-1');
  });

  test('an error reply becomes one error message; the prompt is still recorded', async () => {
    const rig = activateClaude();
    const ex = exchange({
      ...claudeCodeRequest({ sessionId: randomUUID(), messages: [wirePrompt('hi')] }),
      is_sse: false,
      status_code: 529,
      response_body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    });
    const p = await must(rig.project(ex));
    const last = p.messages[p.messages.length - 1]!;
    assert.equal(last.role, 'assistant');
    assert.deepEqual(last.content, [{ type: 'error', code: 'overloaded_error', message: 'Overloaded' }]);
    assert.deepEqual(
      last.identity,
      [{ type: 'error', code: 'overloaded_error', message: 'Overloaded', exchange_id: ex.exchange_id }],
      'two identical failures stay two messages',
    );
    assert.ok(p.messages.some((m) => m.role === 'user' && !claude(m).wire_only));
  });

  test('the identity form of a fallback message: the blocks as sent, without cache_control and caller (also inside tool results)', () => {
    const hashed = (content: Block[]) => fallbackMessageId('c', 'user', identityOf(content), undefined);
    assert.equal(
      hashed([{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }]),
      hashed([{ type: 'text', text: 'hi' }]),
    );
    assert.equal(
      hashed([
        {
          type: 'tool_result',
          tool_use_id: 't',
          content: [{ type: 'text', text: 'r', cache_control: { type: 'ephemeral' } }],
        },
      ]),
      hashed([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'r' }] }]),
    );
    assert.equal(
      hashed([{ type: 'tool_use', id: 'x', name: 'Read', input: {}, caller: { type: 'direct' } }]),
      hashed([{ type: 'tool_use', id: 'x', name: 'Read', input: {} }]),
    );
    assert.notEqual(hashed([{ type: 'text', text: 'hi' }]), hashed([{ type: 'text', text: 'ho' }]));
    assert.deepEqual(identityOf('hi'), [{ type: 'text', text: 'hi' }], 'a string is one text block');
  });

  test('blocks onto parts: block type as native_type, caller as caller_type, errors flagged', () => {
    assert.deepEqual(partOf({ type: 'thinking', thinking: 'hmm', signature: 'sig' }), {
      type: 'reasoning',
      text: 'hmm',
      signature: 'sig',
      native_type: 'thinking',
    });
    assert.deepEqual(partOf({ type: 'redacted_thinking', data: 'enc' }), {
      type: 'reasoning',
      text: 'enc',
      native_type: 'redacted_thinking',
    });
    assert.deepEqual(partOf({ type: 'tool_use', id: 'x', name: 'Read', input: { p: 1 }, caller: { type: 'direct' } }), {
      type: 'tool_call',
      call_id: 'x',
      name: 'Read',
      input: { p: 1 },
      native_type: 'tool_use',
      caller_type: 'direct',
    });
    assert.deepEqual(
      partOf({
        type: 'tool_result',
        tool_use_id: 'x',
        content: [{ type: 'document', source: { type: 'url', url: 'u' } }],
        is_error: true,
      }),
      {
        type: 'tool_result',
        call_id: 'x',
        content: [{ type: 'file', source: { type: 'url', url: 'u' }, native_type: 'document' }],
        is_error: true,
      },
    );
    assert.deepEqual(partOf({ type: 'container_upload', file_id: 'f' }), {
      type: 'other',
      native_type: 'container_upload',
    });
    assert.deepEqual(partOf({ text: 'no type' }), { type: 'text', text: 'no type' });
  });
});
