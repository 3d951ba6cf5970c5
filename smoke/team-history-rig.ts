/**
 * Shared by the team-history smokes: a real gateway daemon in front of the fake Anthropic and
 * OpenAI upstreams, shipping to a real PostgreSQL (harness/postgres.ts), and traffic with API
 * keys in the headers. The replica checks are in harness/team-replica.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { runHyp, type DaemonHandle } from '../harness/daemon.js';
import { startFakeAnthropic, type FakeAnthropic } from '../harness/fake-anthropic.js';
import { startFakeOpenAi, type FakeOpenAi } from '../harness/fake-openai.js';
import type { PostgresServer } from '../harness/postgres.js';
import { tempDir } from '../harness/repo.js';
import { TranscriptWriter, claudeCodeRequest, transcriptPath, wirePrompt } from '../test/claude/claude-harness.js';
import { waitFor } from '../harness/wait.js';

export const ANTHROPIC_KEY = 'sk-ant-api03-HYPTEAM0000notARealKey';
export const OPENAI_KEY = 'sk-proj-HYPTEAM0000notARealKey';

export interface Upstreams {
  anthropic: FakeAnthropic;
  openai: FakeOpenAi;
  close(): Promise<void>;
}

export async function startUpstreams(): Promise<Upstreams> {
  const anthropic = await startFakeAnthropic();
  const openai = await startFakeOpenAi();
  return {
    anthropic,
    openai,
    close: async () => {
      await anthropic.close();
      await openai.close();
    },
  };
}

/** A HOME (no real ~/.pgpass or ~/.claude) with a password file in it. */
export function homeWithPassword(password: string): { home: string; passwordFile: string } {
  const home = tempDir('hyp-team-home-');
  const passwordFile = join(home, 'pg-password');
  writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  return { home, passwordFile };
}

export function teamConfig(pg: PostgresServer, upstreams: Upstreams, passwordFile: string): unknown {
  return {
    plugins: {
      '@hypaware/ai-gateway': {
        listen: '127.0.0.1:0',
        upstreams: [
          { name: 'anthropic', base_url: upstreams.anthropic.url, path_prefix: '/v1/messages', provider: 'anthropic' },
          { name: 'openai', base_url: upstreams.openai.url, path_prefix: '/v1/chat', provider: 'openai' },
        ],
      },
      '@hypaware/postgres': {
        url: pg.url,
        schema: 'team',
        password_file: passwordFile,
        poll_ms: 100,
        max_backoff_ms: 400,
        // past the Claude adapter's re-checks (1.5 + 3 + 6 s), which may still update an exchange
        settle_ms: 12_000,
      },
    },
  };
}

/** `count` Claude Code requests and `count` OpenAI chat requests, each with a (fake) API key. */
export async function sendTraffic(daemon: DaemonHandle, count: number, tag: string): Promise<void> {
  const session = randomUUID();
  for (let i = 0; i < count; i++) {
    const req = claudeCodeRequest({
      sessionId: session,
      messages: [{ role: 'user', content: `${tag}: question ${i} for the team history` }],
    });
    const a = await fetch(`${daemon.endpoint}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { ...(req.request_headers as Record<string, string>), 'x-api-key': ANTHROPIC_KEY },
      body: req.request_body,
    });
    assert.equal(a.status, 200, await a.text());
    const o = await fetch(`${daemon.endpoint}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPENAI_KEY}` },
      body: JSON.stringify({
        model: 'gpt-5.1',
        messages: [{ role: 'user', content: `${tag}: chat ${i} for the team history` }],
      }),
    });
    assert.equal(o.status, 200, await o.text());
  }
}

/** One Claude request of `session` with `messages`, through the daemon, with an API key. */
async function sendClaude(daemon: DaemonHandle, session: string, messages: Array<{ role: string; content: unknown }>) {
  const req = claudeCodeRequest({ sessionId: session, messages });
  const res = await fetch(`${daemon.endpoint}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { ...(req.request_headers as Record<string, string>), 'x-api-key': ANTHROPIC_KEY },
    body: req.request_body,
  });
  assert.equal(res.status, 200, await res.text());
}

/**
 * A Claude Code turn whose reply reaches the transcript only after `beforeTranscript` resolved
 * (e.g. once its fallback-id rows are in PostgreSQL); resolves once the gateway settled the
 * reply under its transcript id. Returns the session id.
 */
export async function claudeTurnSettledLate(
  daemon: DaemonHandle,
  home: string,
  anthropic: FakeAnthropic,
  db: Database.Database,
  beforeTranscript: (session: string) => Promise<void>,
): Promise<string> {
  const session = randomUUID();
  const cwd = join(home, 'team-repo');
  const writer = new TranscriptWriter(
    transcriptPath(join(home, '.claude', 'projects'), cwd, session),
    session,
    cwd,
    'main',
  );
  writer.prompt('Say hi to the team.');
  await sendClaude(daemon, session, [wirePrompt('Say hi to the team.')]);
  const reply = anthropic.replies[anthropic.replies.length - 1]!;
  await beforeTranscript(session);
  const lines = writer.assistant(reply.messageId, reply.requestId, reply.blocks, {
    input_tokens: reply.usage.input,
    output_tokens: reply.usage.output,
  });
  await waitFor(
    () =>
      db.prepare('SELECT 1 FROM ai_gateway_messages WHERE message_id = ?').get(lines[0]) !== undefined &&
      db
        .prepare(
          `SELECT 1 FROM ai_gateway_messages WHERE session_id = ? AND json_extract(attributes, '$.claude.identity_source') = 'gateway_fallback'`,
        )
        .get(session) === undefined,
    'the reply to settle under its transcript id',
    30_000,
  );
  return session;
}

/** `hyp status --json` of a home. */
export async function statusJson(hypHome: string, env: Record<string, string>): Promise<Record<string, any>> {
  const r = await runHyp(['status', '--json'], { hypHome, env });
  return JSON.parse(r.stdout) as Record<string, any>;
}

/** The machine identity a home's shipper chose. */
export function identityOf(hypHome: string): { machine_id: string; user_name: string } {
  const file = join(hypHome, 'hypaware', 'plugins', '@hypaware', 'postgres', 'identity.json');
  return JSON.parse(readFileSync(file, 'utf8')) as { machine_id: string; user_name: string };
}

export { assertReplicaEqualsLocal, localCount, remoteCount, waitForReplica } from '../harness/team-replica.js';
