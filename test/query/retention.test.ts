import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startDaemon, DEFAULT_TEST_CONFIG } from '../../harness/daemon.js';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { historyHome } from './messages-spec.js';
import { runCli } from './run-cli.js';

const DAY = 86_400_000;

async function filledHome(rows: number, days: number) {
  const home = await historyHome();
  fillSyntheticHistory(home.db, { rows, days, seed: 5 });
  const times = (
    home.db.prepare('SELECT message_created_at AS t FROM ai_gateway_messages').all() as Array<{ t: string }>
  ).map((r) => r.t);
  return { ...home, times };
}

test('hyp prune deletes only expired rows, oldest first, at most --max-rows per run', async () => {
  const home = await filledHome(6000, 20);
  home.db.close();
  writeFileSync(join(home.hypHome, 'hypaware-config.json'), JSON.stringify({ retention: { messages_days: 10 } }));
  // Rows more than a minute away from the cutoff: the clock moves between the test and hyp.
  const cutoff = Date.now() - 10 * DAY;
  const expired = home.times.filter((t) => Date.parse(t) < cutoff - 60_000).length;
  const kept = home.times.filter((t) => Date.parse(t) > cutoff + 60_000).length;
  assert.ok(expired > 2500, `fixture has enough expired rows (${expired})`);
  const prune = async (args: string[]) => {
    const r = await runCli(['prune', '--json', ...args], home.hypHome);
    assert.equal(r.code, 0, r.stderr);
    return (
      JSON.parse(r.stdout) as { results: Array<{ dataset: string; deleted: number; remaining: number }> }
    ).results.find((x) => x.dataset === 'ai_gateway_messages')!;
  };
  const count = () => {
    const db = new Database(home.databasePath, { readonly: true });
    try {
      return db.prepare('SELECT count(*) AS n, min(message_created_at) AS oldest FROM ai_gateway_messages').get() as {
        n: number;
        oldest: string;
      };
    } finally {
      db.close();
    }
  };

  const dry = await prune(['--dry-run', '--max-rows', '2500']);
  assert.equal(dry.deleted, 2500);
  assert.equal(count().n, home.times.length, 'a dry run deletes nothing');

  const first = await prune(['--max-rows', '2500']);
  assert.equal(first.deleted, 2500, 'bounded work per run (two delete batches)');
  assert.ok(first.remaining > 0);
  assert.equal(count().oldest, [...home.times].sort()[2500], 'the oldest rows went first');

  let last = first;
  for (let runs = 0; last.remaining > 0 && runs < 10; runs++) last = await prune(['--max-rows', '2500']);
  assert.equal(last.remaining, 0);
  const left = count();
  assert.ok(
    left.n >= kept && left.n <= home.times.length - expired,
    `${left.n} rows left; ${kept} must stay, ${expired} must go`,
  );
  assert.ok(Date.parse(left.oldest) >= cutoff - 60_000);
});

test('hyp prune applies the configured retention per dataset; bad retention is one line', async () => {
  const home = await filledHome(800, 12);
  home.db.close();
  const cutoff = Date.now() - 4 * DAY;
  const expired = home.times.filter((t) => Date.parse(t) < cutoff).length;
  const config = join(home.hypHome, 'hypaware-config.json');

  const none = await runCli(['prune', '--json'], home.hypHome);
  assert.equal(none.code, 0, none.stderr);
  const defaults = JSON.parse(none.stdout) as {
    policy: { messages_days: number | null; exchanges_days: number | null };
    results: Array<{ dataset: string; deleted: number }>;
  };
  assert.deepEqual(
    defaults.policy,
    { messages_days: null, exchanges_days: null },
    'nothing is deleted unless configured',
  );
  assert.deepEqual(defaults.results, []);

  writeFileSync(config, JSON.stringify({ retention: { messages_days: 4 } }));
  const dry = await runCli(['prune', '--dry-run'], home.hypHome);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    new RegExp(`ai_gateway_messages: would delete ${expired.toLocaleString('en-US')} rows older than`),
  );
  const real = await runCli(['prune', '--json'], home.hypHome);
  const result = JSON.parse(real.stdout) as { results: Array<{ dataset: string; deleted: number; remaining: number }> };
  const messages = result.results.find((r) => r.dataset === 'ai_gateway_messages')!;
  assert.ok(
    Math.abs(messages.deleted - expired) <= 1,
    `deleted ${messages.deleted}, expected about ${expired} (the clock moved between the two reads)`,
  );
  assert.equal(messages.remaining, 0);

  for (const [retention, message] of [
    [{ messages_days: -1 }, /retention\.messages_days: must be a whole number/],
    [{ keep: 3 }, /retention\.keep: unknown key/],
  ] as const) {
    writeFileSync(config, JSON.stringify({ retention }));
    const r = await runCli(['prune'], home.hypHome);
    assert.equal(r.code, 1);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  const badFlag = await runCli(['prune', '--max-rows', '0'], home.hypHome);
  assert.equal(badFlag.code, 2);
});

test('the daemon applies retention on its schedule, in the background', async () => {
  const home = await filledHome(600, 10);
  home.db.close();
  const cutoff = Date.now() - 3 * DAY;
  const keep = home.times.filter((t) => Date.parse(t) >= cutoff).length;
  const daemon = await startDaemon({
    hypHome: home.hypHome,
    config: { ...DEFAULT_TEST_CONFIG, retention: { messages_days: 3 } },
    env: { HYP_RETENTION_INTERVAL_MS: '100' },
  });
  try {
    const line = await daemon.waitForLog('retention.pruned', (l) => l.dataset === 'ai_gateway_messages', 15_000);
    assert.equal(line.remaining, 0);
    const db = new Database(home.databasePath, { readonly: true });
    const left = (db.prepare('SELECT count(*) AS n FROM ai_gateway_messages').get() as { n: number }).n;
    db.close();
    assert.ok(Math.abs(left - keep) <= 1, `${left} rows left, about ${keep} expected`);
  } finally {
    const exit = await daemon.stop();
    assert.equal(exit.code, 0, daemon.stderrText());
  }
});
