// The real daemon in front of a fake Anthropic upstream, driven like Claude Code drives it:
// requests with Claude Code's headers and body shapes, transcripts staged the way Claude Code
// writes them (the current one-line-per-block format, and the older one line per message), the
// session hook run as a real process. Checks native ids and parents for every transcript line,
// settlement of a reply whose line lands after the response, fallback markers where no
// transcript exists, cwd/branch, count_tokens recorded without rows, and no duplicate after a
// daemon restart and a history replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { runHyp, startDaemon, type DaemonHandle } from '../harness/daemon.js';
import { startFakeAnthropic, type FakeAnthropicRequest, type ScriptedReply } from '../harness/fake-anthropic.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';
import { claudeCodeRequest, TranscriptWriter, transcriptPath, wirePrompt } from '../test/claude/claude-harness.js';

type Row = Record<string, unknown>;
type Message = { role: string; content: unknown };

function script(req: FakeAnthropicRequest): ScriptedReply {
  const body = JSON.stringify(req.body ?? {});
  if (body.includes('"tool_result"')) return { blocks: [{ type: 'text', text: 'The folder holds a.txt.' }] };
  if (body.includes('list the files'))
    return {
      blocks: [
        { type: 'thinking', thinking: 'Use ls.', signature: 'c2lnLWxz' },
        { type: 'tool_use', id: '', name: 'Bash', input: { command: 'ls' } },
      ],
    };
  return { blocks: [{ type: 'text', text: 'Hi there.' }] };
}

async function send(
  daemon: DaemonHandle,
  sessionId: string,
  messages: Message[],
  path = '/v1/messages?beta=true',
): Promise<string> {
  const req = claudeCodeRequest({ sessionId, messages });
  const res = await fetch(`${daemon.endpoint}${path}`, {
    method: 'POST',
    headers: {
      ...(req.request_headers as Record<string, string>),
      'x-api-key': 'sk-ant-api03-HYPSMOKE0000notARealKey',
    },
    body: req.request_body,
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

function rowsOf(db: Database.Database, conversation: string): Row[] {
  return db
    .prepare(
      'SELECT * FROM ai_gateway_messages WHERE conversation_id = ? ORDER BY message_created_at, message_index, part_index',
    )
    .all(conversation) as Row[];
}

function attrs(row: Row): Record<string, any> {
  // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(String(row.attributes ?? '{}'));
}

/** Every user/assistant line of the transcript is in the table once per block, with its uuid and parent. */
function assertNative(db: Database.Database, writer: TranscriptWriter, conversation: string): void {
  const rows = rowsOf(db, conversation);
  for (const line of writer.lines.filter((l) => l.type === 'user' || l.type === 'assistant')) {
    const mine = rows.filter((r) => r.message_id === line.uuid);
    const content = (line.message as { content: unknown }).content;
    assert.equal(mine.length, Array.isArray(content) ? content.length : 1, `rows of line ${String(line.uuid)}`);
    for (const r of mine) {
      assert.deepEqual(
        JSON.parse(String(r.previous_message_id)),
        line.parentUuid ? [line.parentUuid] : [],
        `parent of ${String(line.uuid)}`,
      );
      assert.equal(r.provider_uuid, line.uuid);
      assert.equal(r.cwd, line.cwd);
      assert.equal(r.git_branch, line.gitBranch);
      assert.equal(r.session_id, conversation);
      assert.equal(attrs(r).claude.identity_source, 'transcript');
    }
  }
}

test('Claude capture through the real gateway: native identity, settlement, fallback, restart', async (t) => {
  const fake = await startFakeAnthropic(script);
  t.after(() => fake.close());
  const home = tempDir('hyp-claude-home-');
  const config = {
    plugins: {
      '@hypaware/ai-gateway': {
        listen: '127.0.0.1:0',
        upstreams: [{ name: 'anthropic', base_url: fake.url, path_prefix: '/v1/messages', provider: 'anthropic' }],
      },
    },
  };
  let daemon = await startDaemon({ config, env: { HOME: home } });
  t.after(() => daemon.stop());
  const stateFile = join(daemon.hypHome, 'hypaware', 'plugins', '@hypaware', 'claude', 'session-context.jsonl');
  const projects = join(home, '.claude', 'projects');

  // Session A, current format, announced by the real hook (SessionStart) in a git repository.
  const repoA = join(home, 'repo-a');
  mkdirSync(join(repoA, '.git'), { recursive: true });
  writeFileSync(join(repoA, '.git', 'HEAD'), 'ref: refs/heads/feature-a\n');
  const sessionA = randomUUID();
  const a = new TranscriptWriter(transcriptPath(projects, repoA, sessionA), sessionA, repoA, 'feature-a');
  const hook = await runHyp(['claude-hook', 'session-context', '--state-file', stateFile], {
    hypHome: daemon.hypHome,
    input: JSON.stringify({
      session_id: sessionA,
      transcript_path: a.path,
      cwd: repoA,
      hook_event_name: 'SessionStart',
      source: 'startup',
    }),
  });
  assert.deepEqual([hook.code, hook.stdout, hook.stderr], [0, '', '']);

  const historyA: Message[] = [
    wirePrompt('Please list the files.'),
    { role: 'system', content: 'Available agent types: ...' },
  ];
  a.prompt('Please list the files.');
  a.attachment('skill_listing');
  await send(daemon, sessionA, historyA);
  // Claude Code writes the reply's lines once the response is over, then runs the tool.
  const r1 = fake.replies[fake.replies.length - 1]!;
  const r1Lines = a.assistant(r1.messageId, r1.requestId, r1.blocks, {
    input_tokens: r1.usage.input,
    output_tokens: r1.usage.output,
  });
  const callId = (r1.blocks[1] as { id: string }).id;
  a.toolResult(callId, 'a.txt', r1Lines[1]!);
  historyA.push(
    { role: 'assistant', content: r1.blocks },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: callId, content: 'a.txt', cache_control: { type: 'ephemeral' } }],
    },
  );
  await send(daemon, sessionA, historyA);
  const r2 = fake.replies[fake.replies.length - 1]!;
  await new Promise((r) => setTimeout(r, 200));
  a.assistant(r2.messageId, r2.requestId, r2.blocks, { input_tokens: r2.usage.input, output_tokens: r2.usage.output });
  // a count_tokens side call: recorded, no rows
  await send(daemon, sessionA, historyA, '/v1/messages/count_tokens?beta=true');

  // Session B, the older format (one line per assistant message), no hook: found by the index.
  const sessionB = randomUUID();
  const b = new TranscriptWriter(
    transcriptPath(projects, '/home/dev/old-repo', sessionB),
    sessionB,
    '/home/dev/old-repo',
    'master',
  );
  const historyB: Message[] = [wirePrompt('say hi')];
  b.prompt('say hi');
  await send(daemon, sessionB, historyB);
  const rb = fake.replies[fake.replies.length - 1]!;
  b.assistant(
    rb.messageId,
    rb.requestId,
    rb.blocks,
    { input_tokens: rb.usage.input, output_tokens: rb.usage.output },
    'single-line',
  );
  historyB.push({ role: 'assistant', content: rb.blocks }, wirePrompt('Please list the files.'));
  b.prompt('Please list the files.');
  await send(daemon, sessionB, historyB);
  const rb2 = fake.replies[fake.replies.length - 1]!;
  b.assistant(
    rb2.messageId,
    rb2.requestId,
    rb2.blocks,
    { input_tokens: rb2.usage.input, output_tokens: rb2.usage.output },
    'single-line',
  );

  // Session C: Claude Code traffic whose transcript never appears.
  const sessionC = randomUUID();
  await send(daemon, sessionC, [wirePrompt('no transcript here')]);

  const db = daemon.db();
  try {
    await waitFor(
      () => {
        const ids = new Set(
          rowsOf(db, sessionA)
            .concat(rowsOf(db, sessionB))
            .map((r) => r.message_id),
        );
        return [...a.lines, ...b.lines].every((l) => l.type === 'attachment' || ids.has(l.uuid)) ? true : undefined;
      },
      'every transcript line to be in the table with its native id',
      15_000,
    );
    assertNative(db, a, sessionA);
    assertNative(db, b, sessionB);

    const rowsA = rowsOf(db, sessionA);
    assert.deepEqual(
      rowsA.filter((r) => attrs(r).claude.identity_source === 'gateway_fallback'),
      [],
      'no fallback row is left',
    );
    const wireA = rowsA.filter((r) => attrs(r).claude.wire_only === true);
    assert.deepEqual(
      wireA.map((r) => [r.role, attrs(r).claude.identity_source]),
      [
        ['user', 'wire'],
        ['system', 'wire'],
      ],
      "harness context once per session, with the projector's stable ids",
    );
    for (const r of rowsA) {
      assert.equal(r.cwd, repoA);
      assert.equal(r.git_branch, 'feature-a', 'the hook read the branch; the lines carry it too');
      assert.equal(r.conversation_source, 'claude_code');
      assert.equal(r.client_version, '2.1.197');
    }
    const call = rowsA.find((r) => r.part_type === 'tool_call')!;
    const result = rowsA.find((r) => r.part_type === 'tool_result')!;
    assert.equal(call.tool_call_id, callId);
    assert.equal(result.tool_result_for, callId);
    assert.equal(result.tool_name, 'Bash');
    const carriers = rowsA.filter((r) => r.output_tokens !== null);
    assert.deepEqual(
      carriers.map((r) => [r.message_id, r.input_tokens, r.output_tokens]),
      [
        [r1Lines[1], r1.usage.input, r1.usage.output],
        [a.lines[a.lines.length - 1]!.uuid, r2.usage.input, r2.usage.output],
      ],
      'one usage carrier per response: its last block',
    );

    // session C was sent last: its exchange may still be on its way to the database
    const rowsC = await waitFor(
      () => {
        const rows = rowsOf(db, sessionC);
        return rows.length >= 3 ? rows : undefined;
      },
      "session C's rows",
      15_000,
    );
    assert.deepEqual(
      rowsC.map((r) => [r.role, attrs(r).claude.identity_source, attrs(r).gateway.identity_source ?? null]),
      [
        ['user', 'wire', null],
        ['user', 'gateway_fallback', 'gateway_fallback'],
        ['assistant', 'gateway_fallback', 'gateway_fallback'],
      ],
      'no transcript: the prompt and the reply keep fallback identity',
    );
    const counted = await waitFor(
      () => {
        const rows = db
          .prepare(
            "SELECT status_code, rows_written FROM ai_gateway_exchanges WHERE path LIKE '/v1/messages/count_tokens%'",
          )
          .all() as Row[];
        return rows.length > 0 ? rows : undefined;
      },
      'the count_tokens exchange',
      15_000,
    );
    assert.deepEqual(
      counted,
      [{ status_code: 200, rows_written: 0 }],
      'count_tokens is recorded as an exchange, without rows',
    );
  } finally {
    db.close();
  }

  const before = (daemon.db().prepare('SELECT count(*) AS n FROM ai_gateway_messages').get() as { n: number }).n;
  await daemon.stop();
  daemon = await startDaemon({ hypHome: daemon.hypHome, env: { HOME: home } });
  await send(daemon, sessionA, historyA);
  await send(daemon, sessionB, historyB);
  const replayed = fake.replies.slice(-2);
  const after = daemon.db();
  try {
    await waitFor(
      () =>
        (after.prepare('SELECT count(*) AS n FROM ai_gateway_exchanges').get() as { n: number }).n >= 8 || undefined,
      'the replayed exchanges to be written',
    );
    const n = (after.prepare('SELECT count(*) AS n FROM ai_gateway_messages').get() as { n: number }).n;
    const replyRows = (
      after
        .prepare('SELECT count(*) AS n FROM ai_gateway_messages WHERE request_id IN (?, ?)')
        .get(replayed[0]!.requestId, replayed[1]!.requestId) as { n: number }
    ).n;
    assert.equal(n - replyRows, before, 'the replayed history added no row after the restart');
  } finally {
    after.close();
  }
});
