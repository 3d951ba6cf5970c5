// The library API in this process: startGateway with a config object, real traffic to a fake
// Anthropic upstream, then openHistory's query and overview against what the fake answered.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { HypError, openHistory, startGateway } from 'hypaware';
import { startFakeAnthropic } from '../../harness/fake-anthropic.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import { sendClaudeTurn, wirePrompt } from '../claude/claude-harness.js';

const fake = await startFakeAnthropic();
after(() => fake.close());

test('startGateway captures traffic in-process; openHistory reads it while the gateway runs', async () => {
  const hypHome = tempDir('hyp-library-');
  const home = tempDir('hyp-library-user-');
  const gateway = await startGateway({
    hypHome,
    env: {
      ...process.env,
      HOME: home,
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      CODEX_HOME: join(home, '.codex'),
      // the gateway prices a model it has not seen within one refresh period (a minute by default)
      HYP_PRICE_REFRESH_MS: '200',
    },
    config: {
      plugins: {
        '@hypaware/ai-gateway': {
          listen: '127.0.0.1:0',
          upstreams: [{ name: 'anthropic', base_url: fake.url, path_prefix: '/v1/messages', provider: 'anthropic' }],
        },
      },
    },
  });
  let stopped = false;
  try {
    assert.match(gateway.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    const sessionId = '7d1c5a52-0000-4000-8000-0000000000bb';
    const status = await sendClaudeTurn(gateway.endpoint, {
      sessionId,
      messages: [wirePrompt('hello from the library')],
      model: 'claude-haiku-4-5-20251001',
    });
    assert.equal(status, 200);

    const history = openHistory({ hypHome });
    try {
      const rows = await waitFor(
        () => {
          const r = history.query<{ role: string; output_tokens: number | null }>(
            'SELECT role, output_tokens FROM ai_gateway_messages WHERE session_id = ? ORDER BY message_index, part_index',
            [sessionId],
          );
          return r.some((x) => x.role === 'assistant') ? r : undefined;
        },
        'the reply written',
        10_000,
      );
      assert.deepEqual(
        rows.filter((r) => r.role === 'assistant').map((r) => r.output_tokens),
        [fake.replies[0]!.usage.output],
      );

      await waitFor(
        () =>
          history.query<{ n: number }>(
            "SELECT count(*) AS n FROM ai_model_prices WHERE model = 'claude-haiku-4-5-20251001' AND source IS NOT NULL",
          )[0]!.n > 0 || undefined,
        'the model priced by the running gateway',
        15_000,
      );
      await gateway.stop();
      stopped = true;
      const o = history.overview({ days: 1 });
      const usage = fake.replies[0]!.usage;
      assert.deepEqual(
        [
          o.totals.input_tokens,
          o.totals.cache_read_input_tokens,
          o.totals.cache_creation_input_tokens,
          o.totals.output_tokens,
        ],
        [usage.input, usage.cacheRead, usage.cacheWrite, usage.output],
      );
      assert.equal(o.by_model[0]!.price_key, 'claude-haiku-4-5');
      assert.throws(
        () => history.query('DELETE FROM ai_gateway_messages'),
        (err: unknown) => err instanceof HypError && /read-only/.test(err.message),
      );
      assert.throws(
        () => history.query('SELECT nope FROM ai_gateway_messages'),
        (err: unknown) => err instanceof HypError && /SQL error: no such column: nope/.test(err.message),
      );
    } finally {
      history.close();
    }
  } finally {
    if (!stopped) await gateway.stop();
  }
});

test('bad input is a HypError with one clear sentence', async () => {
  await assert.rejects(
    startGateway({ hypHome: tempDir('hyp-library-'), config: { plugins: 5 } }),
    (err: unknown) =>
      err instanceof HypError && /startGateway\(\{ config \}\): plugins: must be an object/.test(err.message),
  );
  await assert.rejects(
    startGateway({
      hypHome: tempDir('hyp-library-'),
      config: { plugins: { '@hypaware/ai-gateway': { enabled: false } } },
    }),
    (err: unknown) => err instanceof HypError && /the gateway did not start/.test(err.message),
  );
  assert.throws(
    () => openHistory({ hypHome: tempDir('hyp-library-') }),
    (err: unknown) => err instanceof HypError && /no database yet/.test(err.message),
  );
});
