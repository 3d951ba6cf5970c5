/**
 * Privacy end to end: a real daemon in front of the fake Anthropic and OpenAI upstreams.
 * Query-string secrets are redacted in what is stored and logged while the upstream gets the
 * original target; sessions under an ignored folder leave nothing in the database while the
 * client gets its answer; a purge counts first and then deletes what it counted.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runHyp, startDaemon, type DaemonHandle } from '../../harness/daemon.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../harness/fake-anthropic.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../harness/fake-openai.js';
import { fakeUpstreamsConfig } from '../../harness/fake-upstreams-config.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import { sendClaudeTurn, wirePrompt } from '../claude/claude-harness.js';

const KEY_IN_QUERY = 'sk-ant-api03-QUERYSECRET0000000000000';
const SIG_IN_QUERY = 'c2lnbmF0dXJlLXNlY3JldA';
const S = {
  ignored: '1a000000-0000-4000-8000-000000000001',
  kept: '1a000000-0000-4000-8000-000000000002',
  claude: '1a000000-0000-4000-8000-000000000003',
  later: '1a000000-0000-4000-8000-000000000004',
};

let anthropic: FakeAnthropic;
let openai: FakeOpenAi;
let daemon: DaemonHandle;
const secretRoot = tempDir('hyp-secret-repo-');
const otherRoot = tempDir('hyp-other-repo-');

before(async () => {
  anthropic = await startFakeAnthropic();
  openai = await startFakeOpenAi({ script: (r) => ({ text: `answer ${r.n}` }) });
  const home = tempDir('hyp-privacy-home-');
  daemon = await startDaemon({
    config: fakeUpstreamsConfig({ anthropic, openai }),
    env: { HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude'), CODEX_HOME: join(home, '.codex') },
  });
});

after(async () => {
  await daemon?.stop();
  await anthropic?.close();
  await openai?.close();
});

const hyp = (args: string[]) => runHyp(args, { hypHome: daemon.hypHome });

/** A Codex Responses turn; `cwd` goes into the history the way Codex records it. */
async function codexTurn(sessionId: string, cwd: string | undefined, prompt: string): Promise<string> {
  const input = [
    ...(cwd
      ? [
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: `<environment_context>\n  <cwd>${cwd}</cwd>\n</environment_context>` },
            ],
          },
        ]
      : []),
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] },
  ];
  const res = await fetch(`${daemon.endpoint}/v1/responses`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer sk-proj-HYPTEST0000notARealKey0000',
      originator: 'codex_cli_rs',
      session_id: sessionId,
    },
    body: JSON.stringify({ model: 'gpt-5-codex', instructions: 'You are Codex.', input, stream: true }),
  });
  assert.equal(res.status, 200);
  return res.text();
}

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = daemon.db();
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const count = (sql: string, ...params: unknown[]) => query<{ n: number }>(sql, ...params)[0]!.n;

async function waitForExchanges(n: number): Promise<void> {
  await waitFor(
    () => {
      try {
        return count('SELECT count(*) AS n FROM ai_gateway_exchanges') >= n || undefined;
      } catch {
        return undefined;
      }
    },
    `${n} exchanges stored`,
    15_000,
  );
}

test('ignored folders leave no rows and no exchange; query secrets are redacted in storage and logs, not on the wire', async () => {
  const ignore = await hyp(['privacy', 'ignore', secretRoot]);
  assert.equal(ignore.code, 0, ignore.stderr);
  const listed = await hyp(['privacy', 'ignored', '--json']);
  assert.deepEqual((JSON.parse(listed.stdout) as { ignored_paths: string[] }).ignored_paths, [secretRoot]);

  // ignored: a turn under the folder, then a later turn of the same session that carries no cwd
  const a1 = await codexTurn(S.ignored, join(secretRoot, 'app'), 'private plan alpha');
  const a2 = await codexTurn(S.ignored, undefined, 'private plan beta');
  assert.match(a1, /answer 1/, 'the client got its answer');
  assert.match(a2, /answer 2/);
  // kept: another folder
  await codexTurn(S.kept, join(otherRoot, 'app'), 'public question gamma');
  // a Claude request with secrets in its query string
  const target = `/v1/messages?beta=true&key=${KEY_IN_QUERY}&sig=${SIG_IN_QUERY}&X-Amz-Signature=abcdef0123`;
  const status = await sendClaudeTurn(
    daemon.endpoint!,
    { sessionId: S.claude, messages: [wirePrompt('query secret test')] },
    { target, apiKey: 'sk-ant-api03-HYPTEST0000notARealKey0000' },
  );
  assert.equal(status, 200);
  await waitForExchanges(2);

  assert.equal(openai.requests.length, 3, 'every request reached the upstream');
  assert.equal(anthropic.requests[0]!.url, target, 'the upstream got the original target');
  assert.equal(count('SELECT count(*) AS n FROM ai_gateway_exchanges'), 2, 'no exchange of the ignored session');
  assert.equal(count(`SELECT count(*) AS n FROM ai_gateway_messages WHERE session_id = ?`, S.ignored), 0);
  assert.equal(count(`SELECT count(*) AS n FROM ai_gateway_messages WHERE cwd LIKE ?`, `${secretRoot}%`), 0);
  assert.ok(count(`SELECT count(*) AS n FROM ai_gateway_messages WHERE session_id = ?`, S.kept) > 0);

  const stored = query<{ path: string }>(`SELECT path FROM ai_gateway_exchanges WHERE provider = 'anthropic'`);
  assert.deepEqual(stored, [
    { path: '/v1/messages?beta=true&key=[redacted]&sig=[redacted]&X-Amz-Signature=[redacted]' },
  ]);
  const attrs = query<{ path: string }>(
    `SELECT DISTINCT json_extract(attributes, '$.gateway.path') AS path FROM ai_gateway_messages WHERE session_id = ?`,
    S.claude,
  );
  assert.deepEqual(attrs, stored, 'the rows name the redacted target too');
  await daemon.stop(); // everything flushed to the files
  const files = ['hypaware.db', 'hypaware.db-wal', 'logs/hypaware.jsonl']
    .map((f) => join(daemon.hypHome, 'hypaware', f))
    .filter((f) => existsSync(f));
  for (const f of files) {
    const bytes = readFileSync(f);
    assert.equal(bytes.indexOf(KEY_IN_QUERY), -1, `no query key in ${f}`);
    assert.equal(bytes.indexOf(SIG_IN_QUERY), -1, `no query signature in ${f}`);
    assert.equal(bytes.indexOf('private plan alpha'), -1, `no text of the ignored session in ${f}`);
  }
  daemon = await startDaemon({ hypHome: daemon.hypHome });
});

test('unignore: the running daemon stores the folder again', async () => {
  const r = await hyp(['privacy', 'unignore', secretRoot]);
  assert.equal(r.code, 0, r.stderr);
  assert.match((await hyp(['privacy', 'ignored'])).stdout, /no folder is ignored/);
  await sleep(1200); // the writer looks at the list file at most once a second
  const before = count('SELECT count(*) AS n FROM ai_gateway_exchanges');
  await codexTurn(S.later, join(secretRoot, 'app'), 'now stored');
  await waitForExchanges(before + 1);
  assert.ok(count(`SELECT count(*) AS n FROM ai_gateway_messages WHERE session_id = ?`, S.later) > 0);
});

interface PurgeJson {
  dry_run: boolean;
  sessions: number | null;
  message_rows: number;
  exchanges: number;
}

async function purge(args: string[]): Promise<PurgeJson> {
  const r = await hyp(['privacy', 'purge', ...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as PurgeJson;
}

test('purge counts without --yes, deletes exactly that with it', async () => {
  const rowsOf = (session: string) =>
    count(
      `SELECT count(*) AS n FROM ai_gateway_messages WHERE session_id = ? OR conversation_id = ?`,
      session,
      session,
    );
  const keptRows = rowsOf(S.kept);
  assert.ok(keptRows > 0);
  const totalExchanges = count('SELECT count(*) AS n FROM ai_gateway_exchanges');

  const dry = await purge(['--cwd', otherRoot]);
  assert.deepEqual(
    { dry_run: dry.dry_run, sessions: dry.sessions, rows: dry.message_rows, exchanges: dry.exchanges },
    { dry_run: true, sessions: 1, rows: keptRows, exchanges: 1 },
  );
  assert.equal(rowsOf(S.kept), keptRows, 'a dry run deletes nothing');

  const done = await purge(['--cwd', otherRoot, '--yes']);
  assert.deepEqual(
    { dry_run: done.dry_run, rows: done.message_rows, exchanges: done.exchanges },
    { dry_run: false, rows: keptRows, exchanges: 1 },
  );
  assert.equal(rowsOf(S.kept), 0);
  assert.equal(count('SELECT count(*) AS n FROM ai_gateway_exchanges'), totalExchanges - 1);
  assert.equal((await purge(['--cwd', otherRoot, '--yes'])).message_rows, 0, 'nothing left to purge');

  const claudeRows = rowsOf(S.claude);
  const bySession = await purge(['--session', S.claude, '--yes']);
  assert.deepEqual([bySession.message_rows, bySession.exchanges], [claudeRows, 1]);

  const remaining = count('SELECT count(*) AS n FROM ai_gateway_messages');
  const remainingExchanges = count('SELECT count(*) AS n FROM ai_gateway_exchanges');
  const all = await purge(['--before', '2999-01-01', '--yes']);
  assert.deepEqual([all.message_rows, all.exchanges], [remaining, remainingExchanges]);
  assert.equal(count('SELECT count(*) AS n FROM ai_gateway_messages'), 0);

  const bad = await hyp(['privacy', 'purge', '--session', S.claude, '--before', '2026-01-01']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const badDate = await hyp(['privacy', 'purge', '--before', 'yesterday']);
  assert.equal(badDate.code, 2);
});
