/**
 * A history captured for real: the daemon in front of fake Anthropic and OpenAI upstreams,
 * Claude Code shaped sessions (prompt, tool call, tool result, answer) and Codex Responses and
 * Chat turns, plus requests no projector takes. The fakes keep what they answered, so tests
 * compare the numbers in the database with what went over the wire.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startDaemon, type DaemonHandle } from '../../harness/daemon.js';
import {
  startFakeAnthropic,
  type FakeAnthropic,
  type FakeAnthropicRequest,
  type ScriptedReply,
} from '../../harness/fake-anthropic.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../harness/fake-openai.js';
import { fakeUpstreamsConfig } from '../../harness/fake-upstreams-config.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import { claudeCodeRequest, wirePrompt } from '../claude/claude-harness.js';

export interface WireUsage {
  model: string;
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

export interface CapturedHistory {
  hypHome: string;
  databasePath: string;
  /** the config the daemon ran with (upstreams point at the fakes, which are closed by now) */
  config: Record<string, unknown>;
  /** one entry per model response the fakes sent */
  wire: WireUsage[];
  /** exchanges sent through the gateway */
  exchanges: number;
  claudeSessions: string[];
}

/** the second is a name no price list has (its cost must stay unknown) */
export const CLAUDE_MODELS = ['claude-sonnet-4-5-20250929', 'claude-unlisted-test-1'];

function claudeScript(req: FakeAnthropicRequest): ScriptedReply {
  const body = JSON.stringify(req.body ?? {});
  const usage = { input: 40 + req.n, output: 7 * req.n, cacheRead: 900 * req.n, cacheWrite: req.n % 2 === 0 ? 0 : 120 };
  if (body.includes('"tool_result"'))
    return { blocks: [{ type: 'text', text: `The folder holds a.txt (${req.n}).` }], usage };
  if (body.includes('list the files'))
    return {
      blocks: [
        { type: 'thinking', thinking: 'Use ls.', signature: 'c2ln' },
        { type: 'tool_use', id: '', name: 'Bash', input: { command: 'ls -la' } },
      ],
      usage,
    };
  return { blocks: [{ type: 'text', text: `Hi there (${req.n}).` }], usage };
}

async function post(daemon: DaemonHandle, path: string, headers: Record<string, string>, body: string): Promise<void> {
  const res = await fetch(`${daemon.endpoint}${path}`, { method: 'POST', headers, body });
  await res.text();
}

async function claudeSession(
  daemon: DaemonHandle,
  fake: FakeAnthropic,
  sessionId: string,
  model: string,
): Promise<void> {
  const send = (messages: Array<{ role: string; content: unknown }>) => {
    const req = claudeCodeRequest({ sessionId, messages, model });
    return post(
      daemon,
      '/v1/messages?beta=true',
      { ...(req.request_headers as Record<string, string>), 'x-api-key': 'sk-ant-api03-HYPTEST0000notARealKey' },
      req.request_body!,
    );
  };
  const history: Array<{ role: string; content: unknown }> = [wirePrompt('Please list the files.')];
  await send(history);
  const call = fake.replies[fake.replies.length - 1]!;
  const toolId = (call.blocks.find((b) => b.type === 'tool_use') as { id: string }).id;
  history.push(
    { role: 'assistant', content: call.blocks },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolId, content: 'a.txt' }] },
  );
  await send(history);
  history.push(
    { role: 'assistant', content: fake.replies[fake.replies.length - 1]!.blocks },
    wirePrompt('Thanks, say hi.'),
  );
  await send(history);
}

async function codexTurns(daemon: DaemonHandle, openai: FakeOpenAi): Promise<void> {
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-proj-HYPTEST0000notARealKey' };
  const input = [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Please list the files here.' }] },
  ];
  await post(
    daemon,
    '/v1/responses',
    headers,
    JSON.stringify({ model: 'gpt-5-codex', instructions: 'You are Codex.', input, stream: true }),
  );
  const call = openai.replies[openai.replies.length - 1]!;
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
      name: 'shell',
      arguments: '{"command":["bash","-lc","ls"]}',
      call_id: call.callIds[0],
    },
    { type: 'function_call_output', call_id: call.callIds[0], output: 'a.txt\n' },
  ];
  await post(
    daemon,
    '/v1/responses',
    headers,
    JSON.stringify({ model: 'gpt-5-codex', instructions: 'You are Codex.', input: replayed, stream: true }),
  );
  await post(
    daemon,
    '/v1/chat/completions',
    headers,
    JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'What is 2+2?' }] }),
  );
}

/** Run the traffic, wait until every exchange is written, stop the daemon (it drains the writer). */
export async function captureHistory(): Promise<CapturedHistory> {
  const anthropic = await startFakeAnthropic(claudeScript);
  const openai = await startFakeOpenAi({
    script: (req) => {
      const body = JSON.stringify(req.body);
      if (body.includes('function_call_output')) return { text: `The folder holds a.txt (${req.n}).` };
      if (body.includes('list the files'))
        return {
          text: 'Let me check.',
          reasoning: 'Reading.',
          toolCalls: [{ name: 'shell', arguments: { command: ['bash', '-lc', 'ls'] } }],
        };
      return { text: '4' };
    },
  });
  const config = fakeUpstreamsConfig({ anthropic, openai });
  const home = tempDir('hyp-captured-home-');
  const daemon = await startDaemon({
    config,
    env: { HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude'), CODEX_HOME: join(home, '.codex') },
  });
  const claudeSessions = [
    '7d1c5a52-0000-4000-8000-000000000001',
    '7d1c5a52-0000-4000-8000-000000000002',
    '7d1c5a52-0000-4000-8000-000000000003',
  ];
  let exchanges = 0;
  try {
    for (const [i, session] of claudeSessions.entries()) {
      await claudeSession(daemon, anthropic, session, CLAUDE_MODELS[i % CLAUDE_MODELS.length]!);
      exchanges += 3;
    }
    await codexTurns(daemon, openai);
    exchanges += 3;
    // Traffic no projector takes: a path the adapters do not know, and a model listing.
    await post(
      daemon,
      '/v1/embeddings',
      { 'content-type': 'application/json', authorization: 'Bearer sk-proj-HYPTEST0000notARealKey' },
      '{"input":"x"}',
    );
    await post(
      daemon,
      '/v1/embeddings',
      { 'content-type': 'application/json', authorization: 'Bearer sk-proj-HYPTEST0000notARealKey' },
      '{"input":"y"}',
    );
    exchanges += 2;
    const db = new Database(join(daemon.hypHome, 'hypaware', 'hypaware.db'), { readonly: true });
    try {
      await waitFor(
        () =>
          (db.prepare('SELECT count(*) AS n FROM ai_gateway_exchanges').get() as { n: number }).n >= exchanges ||
          undefined,
        `${exchanges} exchanges written`,
        15_000,
      );
    } finally {
      db.close();
    }
  } finally {
    await daemon.stop();
    await anthropic.close();
    await openai.close();
  }
  const modelOf = (n: number, reqs: Array<{ n: number; body: Record<string, unknown> | undefined }>) =>
    String(reqs.find((r) => r.n === n)?.body?.model);
  const wire: WireUsage[] = [
    ...anthropic.replies.map((r) => ({
      model: modelOf(r.n, anthropic.requests),
      input_tokens: r.usage.input,
      cache_read_input_tokens: r.usage.cacheRead,
      cache_creation_input_tokens: r.usage.cacheWrite,
      output_tokens: r.usage.output,
      reasoning_tokens: 0,
    })),
    ...openai.replies.map((r) => ({
      model: modelOf(r.n, openai.requests),
      input_tokens: r.usage.input - r.usage.cached,
      cache_read_input_tokens: r.usage.cached,
      cache_creation_input_tokens: 0,
      output_tokens: r.usage.output,
      reasoning_tokens: r.usage.reasoning,
    })),
  ];
  return {
    hypHome: daemon.hypHome,
    databasePath: join(daemon.hypHome, 'hypaware', 'hypaware.db'),
    config,
    wire,
    exchanges,
    claudeSessions,
  };
}
