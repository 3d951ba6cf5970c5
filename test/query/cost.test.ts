/**
 * Cost end to end: a real daemon in front of the fake Anthropic upstream, responses with
 * cache reads and writes, one past the long-context threshold, one of a model no price list
 * knows, on an API key and on a Claude subscription (OAuth token). The expected dollars are
 * computed here from Anthropic's published per-token prices, not from the code under test.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHyp, startDaemon, type DaemonHandle } from '../../harness/daemon.js';
import { startFakeAnthropic, type FakeAnthropic, type ReplyUsage } from '../../harness/fake-anthropic.js';
import { fakeUpstreamsConfig } from '../../harness/fake-upstreams-config.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import { claudeCodeRequest, wirePrompt } from '../claude/claude-harness.js';

/** Claude Sonnet 4.5 list prices, USD per 1M tokens (anthropic.com/pricing): up to 200k prompt tokens, and above. */
const SONNET_4_5 = { input: 3, cache_write: 3.75, cache_read: 0.3, output: 15 };
const SONNET_4_5_LONG = { input: 6, cache_write: 7.5, cache_read: 0.6, output: 22.5 };
const SONNET = 'claude-sonnet-4-5-20250929';
const UNKNOWN = 'claude-hypaware-test-9';

const SMALL: Required<ReplyUsage> = { input: 1000, cacheRead: 20_000, cacheWrite: 3000, output: 500 };
const LONG: Required<ReplyUsage> = { input: 150_000, cacheRead: 60_000, cacheWrite: 0, output: 1000 };

const usd = (u: Required<ReplyUsage>, p: typeof SONNET_4_5) =>
  (u.input * p.input + u.cacheRead * p.cache_read + u.cacheWrite * p.cache_write + u.output * p.output) / 1e6;

const SESSIONS = {
  api: '0c057e57-0000-4000-8000-00000000a001',
  subscription: '0c057e57-0000-4000-8000-00000000a002',
  unknown: '0c057e57-0000-4000-8000-00000000a003',
};

let fake: FakeAnthropic;
let daemon: DaemonHandle;

function near(got: unknown, want: number, what: string): void {
  assert.equal(typeof got, 'number', `${what}: ${String(got)}`);
  assert.ok(Math.abs((got as number) - want) < 1e-9, `${what}: ${String(got)} vs ${want}`);
}

async function send(sessionId: string, model: string, auth: Record<string, string>, prompt: string): Promise<void> {
  const req = claudeCodeRequest({ sessionId, model, messages: [wirePrompt(prompt)] });
  const headers = { ...(req.request_headers as Record<string, string>) };
  delete headers['x-api-key'];
  Object.assign(headers, auth);
  const res = await fetch(`${daemon.endpoint}/v1/messages?beta=true`, {
    method: 'POST',
    headers,
    body: req.request_body!,
  });
  assert.equal(res.status, 200);
  await res.text();
}

function rows<T>(sql: string): T[] {
  const db = daemon.db();
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

after(async () => {
  await daemon?.stop();
  await fake?.close();
});

test('cost_usd per response and per session from published prices; subscription marked; unknown model NULL', async () => {
  fake = await startFakeAnthropic((req) => ({
    blocks: [{ type: 'text', text: `answer ${req.n}` }],
    usage: JSON.stringify(req.body ?? {}).includes('long one') ? LONG : SMALL,
  }));
  const home = tempDir('hyp-cost-home-');
  daemon = await startDaemon({
    config: fakeUpstreamsConfig({ anthropic: fake }),
    env: { HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude'), HYP_PRICE_REFRESH_MS: '300' },
  });
  const apiKey = { 'x-api-key': 'sk-ant-api03-HYPTEST0000notARealKey0000' };
  const oauth = {
    authorization: 'Bearer sk-ant-oat01-HYPTEST0000notARealToken00',
    'anthropic-beta': 'oauth-2025-04-20',
  };
  await send(SESSIONS.api, SONNET, apiKey, 'short one');
  await send(SESSIONS.api, SONNET, apiKey, 'long one');
  await send(SESSIONS.subscription, SONNET, oauth, 'short one');
  await send(SESSIONS.unknown, UNKNOWN, apiKey, 'short one');

  type Resp = { session_id: string; model: string; context_tokens: number; cost_usd: number | null; billing: string };
  const responses = await waitFor(
    () => {
      try {
        const r = rows<Resp>(
          'SELECT session_id, model, context_tokens, cost_usd, billing FROM ai_responses ORDER BY message_created_at',
        );
        return r.length === 4 && r.filter((x) => x.cost_usd !== null).length === 3 ? r : undefined;
      } catch {
        return undefined; // the views appear with the tables
      }
    },
    'four responses, three priced',
    20_000,
  );
  const [small, long, sub, unknown] = responses as [Resp, Resp, Resp, Resp];
  near(small.cost_usd, usd(SMALL, SONNET_4_5), 'cache reads and writes at their own rates');
  assert.ok(long.context_tokens > 200_000);
  near(long.cost_usd, usd(LONG, SONNET_4_5_LONG), 'past 200k prompt tokens: the long-context rates');
  near(sub.cost_usd, usd(SMALL, SONNET_4_5), 'a subscription response has the same API-equivalent cost');
  assert.deepEqual([small.billing, long.billing, sub.billing, unknown.billing], ['api', 'api', 'subscription', 'api']);
  assert.equal(unknown.model, UNKNOWN);
  assert.equal(unknown.cost_usd, null, 'a model without a price costs NULL, never a guess');

  type Sess = { session_id: string; cost_usd: number | null; unpriced_responses: number; billing: string | null };
  const sessions = new Map(
    rows<Sess>('SELECT session_id, cost_usd, unpriced_responses, billing FROM ai_sessions').map((s) => [
      s.session_id,
      s,
    ]),
  );
  near(sessions.get(SESSIONS.api)!.cost_usd, usd(SMALL, SONNET_4_5) + usd(LONG, SONNET_4_5_LONG), 'session sum');
  assert.equal(sessions.get(SESSIONS.subscription)!.billing, 'subscription');
  assert.equal(sessions.get(SESSIONS.unknown)!.cost_usd, null);
  assert.equal(sessions.get(SESSIONS.unknown)!.unpriced_responses, 1);

  // the same numbers through `hyp query sql` (read-only connection) and the overview
  const sql = await runHyp(['query', 'sql', 'SELECT sum(cost_usd) AS total FROM ai_responses', '--format', 'json'], {
    hypHome: daemon.hypHome,
  });
  assert.equal(sql.code, 0, sql.stderr);
  const priced = usd(SMALL, SONNET_4_5) * 2 + usd(LONG, SONNET_4_5_LONG);
  near((JSON.parse(sql.stdout) as Array<{ total: number }>)[0]!.total, priced, 'hyp query sql');
  const ov = await runHyp(['query', 'overview', '--json'], { hypHome: daemon.hypHome });
  assert.equal(ov.code, 0, ov.stderr);
  const o = JSON.parse(ov.stdout) as {
    totals: { estimated_cost_usd: number; subscription_cost_usd: number; unpriced_responses: number };
    by_model: Array<{ model: string; estimated_cost_usd: number | null; price_key: string | null }>;
    by_session: Array<{ session_id: string; estimated_cost_usd: number; billing: string | null }>;
    by_repo: Array<{ estimated_cost_usd: number }>;
  };
  near(o.totals.estimated_cost_usd, priced, 'overview total');
  near(o.totals.subscription_cost_usd, usd(SMALL, SONNET_4_5), 'overview subscription part');
  assert.equal(o.totals.unpriced_responses, 1);
  assert.equal(o.by_model.find((m) => m.model === UNKNOWN)!.estimated_cost_usd, null);
  assert.equal(o.by_model.find((m) => m.model === SONNET)!.price_key, 'claude-sonnet-4-5');
  assert.equal(o.by_session[0]!.session_id, SESSIONS.api, 'the costliest session first');
  near(
    o.by_repo.reduce((n, r) => n + r.estimated_cost_usd, 0),
    priced,
    'cost per repo adds up to the total',
  );
});

test('a config price wins over the shipped data, applied by the running daemon without a restart', async () => {
  const override = { input: 1, output: 2, cache_read: 0.5, cache_write: 0.25 };
  const current = JSON.parse(readFileSync(daemon.configPath, 'utf8')) as Record<string, unknown>;
  const prices = { 'claude-sonnet-4-5': override, [UNKNOWN]: { input: 4, output: 8 } };
  writeFileSync(daemon.configPath, JSON.stringify({ ...current, prices }));
  const flat = (u: Required<ReplyUsage>) =>
    (u.input * override.input +
      u.cacheRead * override.cache_read +
      u.cacheWrite * override.cache_write +
      u.output * override.output) /
    1e6;
  const got = await waitFor(
    () => {
      const r = rows<{ model: string; cost_usd: number | null }>(
        'SELECT model, cost_usd FROM ai_responses ORDER BY message_created_at',
      );
      return r[0]?.cost_usd != null && Math.abs(r[0].cost_usd - flat(SMALL)) < 1e-9 ? r : undefined;
    },
    'the override applied',
    20_000,
  );
  near(got[1]!.cost_usd, flat(LONG), 'an override has no long-context tier: one rate');
  // the unknown model priced by its override; it used cache reads, which that override does not price
  assert.equal(got[3]!.cost_usd, null, 'cache tokens without a cache price: unknown, not a guess');
  const band = rows<{ source: string; price_model: string }>(
    `SELECT source, price_model FROM ai_model_prices WHERE model = '${SONNET}'`,
  );
  assert.deepEqual(band, [{ source: 'config', price_model: 'claude-sonnet-4-5' }]);
});
