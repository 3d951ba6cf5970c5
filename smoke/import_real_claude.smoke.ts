// `hyp claude import` over what the REAL Claude Code (pinned, harness/real-clients.ts) wrote while
// talking to a fake Anthropic upstream directly, with no gateway: (a) a prompt answered with a
// Bash tool_use (Claude Code runs `echo` and sends the result back), (b) a prompt answered with an
// Agent tool_use (Claude Code runs a sub-agent: `<session>/subagents/agent-<id>.jsonl` + `.meta.json`).
// The transcripts are the ground truth: every message line is in the table once, with its uuid,
// parent, role, cwd and version; tool call and result linked; the sub-agent's rows linked to the
// Agent call; usage once per response, summing to what Claude Code printed. A second import adds
// nothing; then `claude --resume` through a real gateway adds the new lines and no duplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { startFakeAnthropic } from '../harness/fake-anthropic.js';
import { realClient, runClient } from '../harness/real-clients.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';

type Row = Record<string, unknown>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TOOL_PROMPT = 'Run the hypaware echo check.';
const SPAWN_PROMPT = 'Spawn the hypaware helper agent.';
const SUBAGENT_TASK = 'Say SUBAGENT-OK';
const RESUME_PROMPT = 'Say hello again.';

function jsonl(file: string): Json[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);
}

/** Every transcript of the session: the main one and its sub-agents'. */
function sessionTranscripts(projects: string, sessionId: string): { main: string; agents: string[] } {
  const dir = readdirSync(projects)
    .map((d) => join(projects, d))
    .find((d) => existsSync(join(d, `${sessionId}.jsonl`)));
  assert.ok(dir, `Claude Code wrote no transcript for ${sessionId}`);
  const subagents = join(dir, sessionId, 'subagents');
  const agents = existsSync(subagents)
    ? readdirSync(subagents)
        .filter((n) => n.endsWith('.jsonl'))
        .map((n) => join(subagents, n))
    : [];
  return { main: join(dir, `${sessionId}.jsonl`), agents };
}

function messageLines(lines: Json[]): Json[] {
  return lines.filter((l) => (l.type === 'user' || l.type === 'assistant') && l.message && typeof l.uuid === 'string');
}

function sum(rows: Row[], key: string): number {
  return rows.reduce((s, r) => s + Number(r[key] ?? 0), 0);
}

function importJson(out: string): Json {
  return JSON.parse(out) as Json;
}

test('hyp claude import: real Claude Code transcripts, then a live resume', { timeout: 900_000 }, async (t) => {
  const client = await realClient('claude');
  if ('why' in client) {
    t.skip(client.why);
    return;
  }
  const fake = await startFakeAnthropic((req) => {
    const body = JSON.stringify(req.body ?? {});
    if (body.includes(RESUME_PROMPT))
      return { blocks: [{ type: 'text', text: 'Hello again from the fake upstream.' }] };
    if (body.includes('"tool_result"')) return { blocks: [{ type: 'text', text: 'The tool said it is done.' }] };
    if (body.includes(SUBAGENT_TASK)) return { blocks: [{ type: 'text', text: 'SUBAGENT-OK' }] };
    if (body.includes(SPAWN_PROMPT))
      return {
        blocks: [
          {
            type: 'tool_use',
            id: '',
            name: 'Agent',
            input: { description: 'hypaware helper', prompt: SUBAGENT_TASK, subagent_type: 'general-purpose' },
          },
        ],
      };
    if (body.includes(TOOL_PROMPT))
      return {
        blocks: [
          { type: 'text', text: 'Running it.' },
          {
            type: 'tool_use',
            id: '',
            name: 'Bash',
            input: { command: 'echo hypaware-echo-ok', description: 'marker' },
          },
        ],
      };
    return { blocks: [{ type: 'text', text: 'Hello from the fake upstream.' }] };
  });
  t.after(() => fake.close());
  const home = realpathSync(tempDir('hyp-smoke-import-claude-'));
  const projects = join(home, '.claude', 'projects');
  const work = join(home, 'work');
  mkdirSync(work, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    ANTHROPIC_API_KEY: 'sk-ant-api03-HYPSMOKE0000notARealKey',
    ANTHROPIC_BASE_URL: fake.url,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    NO_COLOR: '1',
  };
  for (const key of ['ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CONFIG_DIR']) delete env[key];
  const claude = async (args: string[], runEnv = env): Promise<Json> => {
    const r = await runClient(client.bin, [...args, '--output-format', 'json'], {
      env: runEnv,
      cwd: work,
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, `claude ${args.join(' ')} failed: ${r.stderr.slice(-2000)} ${r.stdout.slice(-2000)}`);
    const out = JSON.parse(r.stdout) as Json;
    assert.equal(out.is_error, false, r.stdout);
    return out;
  };

  // 1. the clients talk to the fake directly: nothing is captured
  const tool = await claude(['-p', TOOL_PROMPT, '--allowedTools', 'Bash(echo:*)']);
  const spawn = await claude(['-p', SPAWN_PROMPT, '--allowedTools', 'Agent']);
  assert.equal(tool.num_turns, 2, 'Claude Code ran the Bash tool');

  // 2. import into a fresh HypAware home
  const hypHome = tempDir('hyp-smoke-import-claude-home-');
  const first = await runHyp(['claude', 'import', '--json'], { hypHome, env: { HOME: home } });
  assert.equal(first.code, 0, first.stderr);
  const summary = importJson(first.stdout);
  assert.equal(summary.sessions, 2);
  assert.equal(summary.files, 3, 'two main transcripts and one sub-agent transcript');
  assert.ok(summary.rows_added > 0);
  const db = new Database(join(hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
  t.after(() => db.close());
  const rowsOf = (sessionId: string): Row[] =>
    db
      .prepare('SELECT * FROM ai_gateway_messages WHERE session_id = ? ORDER BY message_created_at, part_index')
      .all(sessionId) as Row[];

  for (const [name, out] of [
    ['tool', tool],
    ['spawn', spawn],
  ] as const) {
    await t.test(`${name}: every transcript line once, with its identity, context and usage`, () => {
      const sessionId = String(out.session_id);
      const files = sessionTranscripts(projects, sessionId);
      const lines = [files.main, ...files.agents].flatMap((f) => messageLines(jsonl(f)));
      const rows = rowsOf(sessionId);
      assert.equal(
        new Set(rows.map((r) => r.message_id)).size,
        lines.length,
        'one message per transcript line, nothing else',
      );
      for (const line of lines) {
        const mine = rows.filter((r) => r.message_id === line.uuid);
        const content = line.message.content;
        assert.equal(mine.length, Array.isArray(content) ? content.length : 1, `rows of line ${line.uuid}`);
        for (const r of mine) {
          assert.deepEqual(JSON.parse(String(r.previous_message_id)), line.parentUuid ? [line.parentUuid] : []);
          assert.equal(r.role, line.message.role);
          assert.equal(r.cwd, line.cwd);
          assert.equal(r.git_branch, line.gitBranch);
          assert.equal(r.conversation_id, sessionId);
          assert.equal(r.client_version, line.version);
          assert.equal(r.provider_uuid, line.uuid);
          assert.equal(r.exchange_id, null, 'an imported row has no exchange');
          assert.equal(JSON.parse(String(r.attributes)).gateway.origin, 'file');
          if (line.requestId) assert.equal(r.request_id, line.requestId);
        }
      }
      // every response the upstream sent for this session, each counted once (sub-agents included)
      const ids = new Set(lines.filter((l) => l.type === 'assistant').map((l) => String(l.message.id)));
      const sent = fake.replies.filter((rep) => ids.has(rep.messageId));
      assert.equal(sent.length, ids.size);
      const keys = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens'] as const;
      assert.deepEqual(
        keys.map((k) => sum(rows, k)),
        (['input', 'cacheWrite', 'cacheRead', 'output'] as const).map((k) =>
          sent.reduce((n, rep) => n + rep.usage[k], 0),
        ),
        'token totals equal what the upstream sent',
      );
      if (name === 'tool') {
        const main = rows.filter((r) => r.is_sidechain !== 1);
        assert.deepEqual(
          keys.map((k) => sum(main, k)),
          keys.map((k) => Number(out.usage[k])),
          'token totals equal what Claude Code printed',
        );
      }
      const responses = new Set(lines.filter((l) => l.type === 'assistant').map((l) => l.message.id));
      assert.equal(rows.filter((r) => r.output_tokens !== null).length, responses.size, 'one carrier per response');
    });
  }

  await t.test('tool: call and result linked', () => {
    const rows = rowsOf(String(tool.session_id));
    const call = rows.find((r) => r.part_type === 'tool_call' && r.tool_name === 'Bash')!;
    const result = rows.find((r) => r.part_type === 'tool_result')!;
    assert.ok(call && result);
    assert.equal(result.tool_result_for, call.tool_call_id);
    assert.equal(result.tool_name, 'Bash');
    assert.equal(result.source_tool_assistant_uuid, call.message_id);
    assert.match(String(result.content_text), /hypaware-echo-ok/);
    assert.deepEqual(JSON.parse(String(call.tool_args)), { command: 'echo hypaware-echo-ok', description: 'marker' });
  });

  await t.test('spawn: the sub-agent rows link to the Agent call that spawned them', () => {
    const sessionId = String(spawn.session_id);
    const files = sessionTranscripts(projects, sessionId);
    assert.equal(files.agents.length, 1, 'Claude Code ran one sub-agent');
    const meta = JSON.parse(readFileSync(files.agents[0]!.replace(/\.jsonl$/, '.meta.json'), 'utf8')) as Json;
    const agentLines = messageLines(jsonl(files.agents[0]!));
    const rows = rowsOf(sessionId);
    const agentRows = rows.filter((r) => r.is_sidechain === 1);
    assert.equal(new Set(agentRows.map((r) => r.message_id)).size, agentLines.length);
    const call = rows.find((r) => r.part_type === 'tool_call' && r.tool_name === 'Agent')!;
    assert.equal(call.tool_call_id, meta.toolUseId);
    for (const r of agentRows) {
      assert.equal(r.agent_id, agentLines[0]!.agentId);
      assert.equal(r.agent_type, meta.agentType);
      assert.equal(r.parent_tool_call_id, call.tool_call_id);
      assert.equal(r.parent_agent_id, null, 'spawned by the main thread');
    }
    assert.ok(agentRows.some((r) => r.content_text === 'SUBAGENT-OK'));
  });

  const countRows = () => (db.prepare('SELECT count(*) AS n FROM ai_gateway_messages').get() as { n: number }).n;
  const before = countRows();
  await t.test('a second import adds nothing', async () => {
    const again = await runHyp(['claude', 'import', '--json'], { hypHome, env: { HOME: home } });
    assert.equal(again.code, 0, again.stderr);
    const s = importJson(again.stdout);
    assert.equal(s.rows_added, 0);
    assert.equal(s.messages_present, summary.messages);
    assert.equal(countRows(), before);
  });

  await t.test('--since after every line imports nothing; bad input is one line and non-zero', async () => {
    const later = await runHyp(['claude', 'import', '--json', '--since', '2999-01-01'], {
      hypHome,
      env: { HOME: home },
    });
    assert.equal(later.code, 0, later.stderr);
    assert.equal(importJson(later.stdout).messages, 0);
    assert.equal(importJson(later.stdout).skipped.before_since, summary.messages);
    const missing = await runHyp(['claude', 'import', '--projects', join(home, 'nope')], { hypHome });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr.trim(), /^hyp: no Claude Code projects folder at .*nope$/);
  });

  // 3. the same session resumed through a real gateway: only the new lines are added
  await t.test('live --resume through the gateway adds the new lines, no duplicate', async () => {
    const daemon = await startDaemon({
      hypHome,
      config: {
        plugins: {
          '@hypaware/ai-gateway': {
            listen: '127.0.0.1:0',
            upstreams: [{ name: 'anthropic', base_url: fake.url, path_prefix: '/v1/messages', provider: 'anthropic' }],
          },
        },
      },
      env: { HOME: home },
    });
    t.after(() => daemon.stop());
    const sessionId = String(tool.session_id);
    const resumed = await claude(['--resume', sessionId, '-p', RESUME_PROMPT], {
      ...env,
      ANTHROPIC_BASE_URL: daemon.endpoint!,
    });
    assert.equal(resumed.session_id, sessionId, 'the resume continued the same session');
    const lines = messageLines(jsonl(sessionTranscripts(projects, sessionId).main));
    await waitFor(
      () => {
        const ids = new Set(rowsOf(sessionId).map((r) => r.message_id));
        return lines.every((l) => ids.has(l.uuid)) || undefined;
      },
      'every line of the resumed transcript in the table',
      20_000,
    );
    const rows = rowsOf(sessionId);
    for (const line of lines) {
      const content = line.message.content;
      assert.equal(
        rows.filter((r) => r.message_id === line.uuid).length,
        Array.isArray(content) ? content.length : 1,
        `no duplicate rows of ${line.uuid}`,
      );
    }
    const extra = rows.filter((r) => !lines.some((l) => l.uuid === r.message_id));
    for (const r of extra)
      assert.equal(
        JSON.parse(String(r.attributes)).claude.wire_only,
        true,
        `only harness context: ${String(r.content_text).slice(0, 60)}`,
      );
    const wire = rows.filter((r) => JSON.parse(String(r.attributes)).gateway.origin === 'wire');
    assert.ok(
      wire.some((r) => r.content_text === 'Hello again from the fake upstream.'),
      'the new reply came from the wire',
    );
  });
});
