// A running gateway prices a model within seconds of its first usage row, not at its next
// minute's check: the writer reports the models it wrote usage for, and a pair the daemon has
// not priced yet brings the price refresh forward. Real traffic to a fake Anthropic upstream,
// default refresh interval (a minute: no HYP_PRICE_REFRESH_MS).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openHistory, startGateway } from 'hypaware';
import { startFakeAnthropic } from '../../harness/fake-anthropic.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';
import { sendClaudeTurn, wirePrompt } from '../claude/claude-harness.js';

const fake = await startFakeAnthropic();
after(() => fake.close());

const FIRST = 'claude-haiku-4-5-20251001';
const SECOND = 'claude-sonnet-4-5-20250929';

test('a model seen for the first time is priced within seconds, not at the next minute', async () => {
  const hypHome = tempDir('hyp-price-sight-');
  const home = tempDir('hyp-price-sight-user-');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    CODEX_HOME: join(home, '.codex'),
  };
  delete env.HYP_PRICE_REFRESH_MS;
  const gateway = await startGateway({
    hypHome,
    env,
    config: {
      plugins: {
        '@hypaware/ai-gateway': {
          listen: '127.0.0.1:0',
          upstreams: [{ name: 'anthropic', base_url: fake.url, path_prefix: '/v1/messages', provider: 'anthropic' }],
        },
      },
    },
  });
  const send = async (sessionId: string, model: string) =>
    assert.equal(
      await sendClaudeTurn(gateway.endpoint, { sessionId, messages: [wirePrompt(`hello from ${model}`)], model }),
      200,
    );
  try {
    const history = await waitFor(() => {
      try {
        return openHistory({ hypHome });
      } catch {
        return undefined;
      }
    }, 'the database');
    const priced = (model: string) =>
      history.query<{ n: number }>('SELECT count(*) AS n FROM ai_model_prices WHERE model = ? AND source IS NOT NULL', [
        model,
      ])[0]!.n > 0;
    try {
      // the first model: priced by a run that has certainly happened once this passes
      await send('7d1c5a52-0000-4000-8000-0000000000c1', FIRST);
      await waitFor(() => priced(FIRST) || undefined, 'the first model priced', 20_000);
      assert.equal(priced(SECOND), false);

      // the second model arrives after that run: the next scheduled check is a minute away
      await send('7d1c5a52-0000-4000-8000-0000000000c2', SECOND);
      // well inside the minute: only the writer's report can start a run this soon
      await waitFor(() => priced(SECOND) || undefined, 'the second model priced', 15_000);
      const o = history.overview({ days: 1 });
      assert.ok(
        o.by_model.find((m) => m.model === SECOND)?.price_key === 'claude-sonnet-4-5',
        'the overview prices the second model',
      );
    } finally {
      history.close();
    }
  } finally {
    await gateway.stop();
  }
});
