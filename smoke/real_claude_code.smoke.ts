// The real Claude Code CLI (pinned, from the npm registry, installed once by harness/real-clients.ts) through
// the real daemon: `hyp claude attach` into a temporary HOME (ANTHROPIC_BASE_URL comes from the
// settings.json attach wrote, not from the environment), then `claude -p` against a fake
// Anthropic upstream for (a) a plain prompt and (b) a prompt the upstream answers with a Bash
// tool_use running `echo`, so Claude Code runs it and sends the tool_result in a second request.
// Claude Code's own transcript is the ground truth: every user/assistant line must be in the
// table once, with its uuid and parent; tool call and result linked; the session id and the
// token totals Claude Code prints must agree with the rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { claudeEnv, startAttachedDaemon } from '../harness/attached-claude.js';
import { startFakeAnthropic } from '../harness/fake-anthropic.js';
import { realClient, runClient } from '../harness/real-clients.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';

type Row = Record<string, unknown>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TOOL_PROMPT = 'Run the hypaware echo check.';

function transcriptLines(home: string, sessionId: string): Json[] {
  const projects = join(home, '.claude', 'projects');
  const file = readdirSync(projects)
    .map((d) => join(projects, d, `${sessionId}.jsonl`))
    .find((f) => existsSync(f));
  assert.ok(file, `Claude Code wrote no transcript for ${sessionId}`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);
}

function messageLines(lines: Json[]): Json[] {
  return lines.filter((l) => (l.type === 'user' || l.type === 'assistant') && l.message && typeof l.uuid === 'string');
}

function sessionRows(db: Database.Database, sessionId: string): Row[] {
  return db
    .prepare(
      'SELECT * FROM ai_gateway_messages WHERE session_id = ? ORDER BY message_created_at, message_index, part_index',
    )
    .all(sessionId) as Row[];
}

function sum(rows: Row[], key: string): number {
  return rows.reduce((s, r) => s + Number(r[key] ?? 0), 0);
}

test('real Claude Code through the gateway', { timeout: 900_000 }, async (t) => {
  const client = await realClient('claude');
  if ('why' in client) {
    t.skip(client.why);
    return;
  }
  const { bin } = client;
  const fake = await startFakeAnthropic((req) => {
    const body = JSON.stringify(req.body ?? {});
    if (body.includes('"tool_result"'))
      return { blocks: [{ type: 'text', text: 'The command printed hypaware-echo-ok.' }] };
    if (body.includes(TOOL_PROMPT)) {
      return {
        blocks: [
          { type: 'text', text: 'Running it.' },
          {
            type: 'tool_use',
            id: '',
            name: 'Bash',
            input: { command: 'echo hypaware-echo-ok', description: 'Print a marker' },
          },
        ],
      };
    }
    return { blocks: [{ type: 'text', text: 'Hello from the fake upstream.' }] };
  });
  t.after(() => fake.close());
  const home = realpathSync(tempDir('hyp-smoke-real-claude-'));
  const daemon = await startAttachedDaemon(fake.url, home);
  t.after(() => daemon.stop());

  const work = join(home, 'work');
  mkdirSync(join(work, '.git'), { recursive: true });
  writeFileSync(join(work, '.git', 'HEAD'), 'ref: refs/heads/smoke-branch\n');
  const env = claudeEnv(home);
  const claude = async (args: string[]): Promise<Json> => {
    const r = await runClient(bin, args, { env, cwd: work, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `claude ${args.join(' ')} failed: ${r.stderr.slice(-2000)} ${r.stdout.slice(-2000)}`);
    const out = JSON.parse(r.stdout) as Json;
    assert.equal(out.is_error, false, r.stdout);
    return out;
  };

  const plain = await claude(['-p', 'Say hello.', '--output-format', 'json']);
  const tool = await claude(['-p', TOOL_PROMPT, '--output-format', 'json', '--allowedTools', 'Bash(echo:*)']);
  assert.match(String(tool.result), /hypaware-echo-ok/);
  assert.equal(tool.num_turns, 2, 'Claude Code ran the tool and sent its result back');

  const db = daemon.db();
  t.after(() => db.close());
  for (const [name, out] of [
    ['plain', plain],
    ['tool', tool],
  ] as const) {
    const sessionId = String(out.session_id);
    const lines = messageLines(transcriptLines(home, sessionId));
    await waitFor(
      () => {
        const ids = new Set(sessionRows(db, sessionId).map((r) => r.message_id));
        return lines.every((l) => ids.has(l.uuid)) || undefined;
      },
      `${name}: every transcript line in the table with its native id`,
      15_000,
    );
    const rows = sessionRows(db, sessionId);
    for (const line of lines) {
      const mine = rows.filter((r) => r.message_id === line.uuid);
      const content = line.message.content;
      assert.equal(
        mine.length,
        Array.isArray(content) ? content.length : 1,
        `${name}: rows of ${line.type} line ${line.uuid}`,
      );
      for (const r of mine) {
        assert.deepEqual(
          JSON.parse(String(r.previous_message_id)),
          line.parentUuid ? [line.parentUuid] : [],
          `${name}: parent of ${line.uuid}`,
        );
        assert.equal(r.role, line.message.role);
        assert.equal(r.cwd, line.cwd);
        assert.equal(r.conversation_source, 'claude_code');
        assert.equal(r.client_version, line.version);
        if (line.requestId)
          assert.equal(
            r.request_id,
            line.requestId,
            'the request-id header of the fake reached the transcript and the row',
          );
      }
    }
    const nonNative = rows.filter((r) => !lines.some((l) => l.uuid === r.message_id));
    for (const r of nonNative)
      assert.equal(
        JSON.parse(String(r.attributes)).claude.wire_only,
        true,
        `${name}: only harness context has no transcript line (${String(r.role)}: ${String(r.content_text).slice(0, 80)})`,
      );
    const wireTexts = nonNative.map((r) => `${String(r.role)}:${String(r.content_text)}`);
    assert.equal(
      new Set(wireTexts).size,
      wireTexts.length,
      `${name}: harness context is not duplicated across requests`,
    );
    const main = rows.filter((r) => r.is_sidechain !== 1);
    assert.deepEqual(
      {
        input_tokens: sum(main, 'input_tokens'),
        cache_creation_input_tokens: sum(main, 'cache_creation_input_tokens'),
        cache_read_input_tokens: sum(main, 'cache_read_input_tokens'),
        output_tokens: sum(main, 'output_tokens'),
      },
      {
        input_tokens: out.usage.input_tokens,
        cache_creation_input_tokens: out.usage.cache_creation_input_tokens,
        cache_read_input_tokens: out.usage.cache_read_input_tokens,
        output_tokens: out.usage.output_tokens,
      },
      `${name}: token totals equal what Claude Code printed`,
    );
    assert.equal(
      rows.filter((r) => r.output_tokens !== null).length,
      fake.replies.filter((rep) => JSON.stringify(fake.requests[rep.n - 1]!.body).includes(sessionId)).length,
      `${name}: one usage carrier per response`,
    );
  }

  const toolRows = sessionRows(db, String(tool.session_id));
  const call = toolRows.find((r) => r.part_type === 'tool_call' && r.tool_name === 'Bash')!;
  const result = toolRows.find((r) => r.part_type === 'tool_result')!;
  assert.ok(call && result, 'tool call and result rows');
  assert.equal(result.tool_call_id, call.tool_call_id);
  assert.equal(result.tool_result_for, call.tool_call_id);
  assert.equal(result.tool_name, 'Bash');
  assert.match(String(result.content_text), /hypaware-echo-ok/);
  assert.deepEqual(JSON.parse(String(call.tool_args)), {
    command: 'echo hypaware-echo-ok',
    description: 'Print a marker',
  });
  assert.equal(result.source_tool_assistant_uuid, call.message_id);

  const stateFile = join(daemon.hypHome, 'hypaware', 'plugins', '@hypaware', 'claude', 'session-context.jsonl');
  const records = readFileSync(stateFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Json);
  const hooked = records.filter((r) => r.session_id === tool.session_id);
  assert.ok(
    hooked.some((r) => r.hook_event === 'SessionStart' && r.cwd === work && r.git_branch === 'smoke-branch'),
    `hook records of the session: ${JSON.stringify(hooked)}`,
  );
  assert.ok(
    hooked.some((r) => r.hook_event === 'PostToolUse'),
    'the Bash PostToolUse hook ran',
  );
});
