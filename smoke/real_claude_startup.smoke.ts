// Start-up cost of attaching the real Claude Code (pinned; harness/real-clients.ts): the wall
// time of `claude -p "Say hello." --output-format json` unattached, straight to a fake Anthropic
// upstream (ANTHROPIC_BASE_URL in the environment), and attached (`hyp claude attach` in a
// temporary HOME; settings.json exactly as attach writes it) through the real daemon whose
// gateway upstream is the same fake. It reports both times and the env keys attach wrote; it
// asserts correctness only (both answer, the attached request went through the gateway and was
// recorded, the direct one did not), never a timing: timings are for people, not for CI.
//
// Why: with `_CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL=1` Claude Code 2.1.330 treats the base URL
// as Anthropic's own and, before its first request, fetches the organization's policy
// (`GET https://api.anthropic.com/api/claude_code/policy_limits`) and remote managed settings
// (`GET https://api.anthropic.com/api/claude_code/settings`) straight from api.anthropic.com, not
// through ANTHROPIC_BASE_URL, with the user's key, retried with backoff. Where api.anthropic.com
// does not answer (no internet here; a firewall that only lets a company gateway through) every
// start waits about 19 s. CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC (set here, as in the other
// smokes) does not skip them: they count as essential traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { startFakeAnthropic } from '../harness/fake-anthropic.js';
import { realClient, runClient, type ClientResult } from '../harness/real-clients.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const RUNS = 2;
const PROMPT_ARGS = ['-p', 'Say hello.', '--output-format', 'json'];

function baseEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    ANTHROPIC_API_KEY: 'sk-ant-api03-HYPSMOKE0000notARealKey',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    NO_COLOR: '1',
  };
  for (const key of [
    'ANTHROPIC_BASE_URL',
    'ANTHROPIC_AUTH_TOKEN',
    'CLAUDE_CONFIG_DIR',
    '_CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL',
    'ENABLE_TOOL_SEARCH',
  ])
    delete env[key];
  return env;
}

function answered(name: string, r: ClientResult): Json {
  assert.equal(
    r.code,
    0,
    `${name}: claude exited ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.slice(-2000)} ${r.stdout.slice(-2000)}`,
  );
  const out = JSON.parse(r.stdout) as Json;
  assert.equal(out.is_error, false, `${name}: ${r.stdout}`);
  return out;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

test('real Claude Code start-up time, unattached vs attached', { timeout: 600_000 }, async (t) => {
  const client = await realClient('claude');
  if ('why' in client) {
    t.skip(client.why);
    return;
  }
  const { bin } = client;
  const fake = await startFakeAnthropic();
  t.after(() => fake.close());
  const root = realpathSync(tempDir('hyp-smoke-real-claude-startup-'));
  const attachedHome = join(root, 'attached');
  const directHome = join(root, 'direct');
  const work = join(root, 'work');
  for (const dir of [attachedHome, directHome, work]) mkdirSync(dir, { recursive: true });

  const daemon = await startDaemon({
    config: {
      plugins: {
        '@hypaware/ai-gateway': {
          listen: '127.0.0.1:0',
          upstreams: [{ name: 'anthropic', base_url: fake.url, path_prefix: '/v1/messages', provider: 'anthropic' }],
        },
      },
    },
    env: { HOME: attachedHome },
  });
  t.after(() => daemon.stop());
  const attach = await runHyp(['claude', 'attach'], { hypHome: daemon.hypHome, env: { HOME: attachedHome } });
  assert.equal(attach.code, 0, attach.stderr);
  const settings = JSON.parse(readFileSync(join(attachedHome, '.claude', 'settings.json'), 'utf8')) as Json;
  const attachEnv = (settings.env ?? {}) as Record<string, string>;
  assert.ok(
    typeof attachEnv.ANTHROPIC_BASE_URL === 'string' && attachEnv.ANTHROPIC_BASE_URL !== fake.url,
    `attach points Claude Code at the gateway: ${JSON.stringify(attachEnv)}`,
  );

  // Alternate the two so neither gets all the warm caches; the first start in a HOME sets it up.
  const direct: number[] = [];
  const attached: number[] = [];
  const db = await daemon.waitForDb(15_000);
  t.after(() => db.close());
  const exchangesOf = (sessionId: string) =>
    (
      db
        .prepare(
          "SELECT count(*) AS n FROM ai_gateway_exchanges WHERE path LIKE '/v1/messages%' AND request_headers LIKE ?",
        )
        .get(`%${sessionId}%`) as { n: number }
    ).n;
  for (let i = 1; i <= RUNS; i++) {
    const before = fake.requests.length;
    const d = await runClient(bin, PROMPT_ARGS, {
      env: { ...baseEnv(directHome), ANTHROPIC_BASE_URL: fake.url },
      cwd: work,
      timeoutMs: 180_000,
    });
    const dOut = answered(`direct run ${i}`, d);
    assert.ok(fake.requests.length > before, 'the direct run reached the fake upstream');
    direct.push(d.ms);

    const a = await runClient(bin, PROMPT_ARGS, { env: baseEnv(attachedHome), cwd: work, timeoutMs: 180_000 });
    const aOut = answered(`attached run ${i}`, a);
    attached.push(a.ms);
    const sessionId = String(aOut.session_id);
    await waitFor(
      () => exchangesOf(sessionId) > 0 || undefined,
      `an exchange row for the attached session ${sessionId}`,
      20_000,
    );
    assert.equal(exchangesOf(String(dOut.session_id)), 0, 'the direct run did not go through the gateway');
  }

  const min = (xs: number[]) => Math.min(...xs);
  const firstParty = attachEnv._CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL;
  const report = [
    `claude -p wall time, Claude Code ${String(JSON.parse(readFileSync(join(bin, '..', '..', '@anthropic-ai', 'claude-code', 'package.json'), 'utf8')).version)}, ${RUNS} runs each:`,
    `  unattached (ANTHROPIC_BASE_URL=fake upstream): ${direct.map(seconds).join(', ')} (best ${seconds(min(direct))})`,
    `  attached (settings.json env ${Object.keys(attachEnv).sort().join(', ')}): ${attached.map(seconds).join(', ')} (best ${seconds(min(attached))})`,
    `  attached - unattached (best of each): ${seconds(min(attached) - min(direct))}`,
    firstParty !== undefined
      ? '  attach wrote _CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL: Claude Code fetches its org policy and remote settings from api.anthropic.com before the first request (a stall wherever that host does not answer)'
      : '  attach did not write _CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL',
  ];
  for (const line of report) t.diagnostic(line);
});
