// The `upstreams` section of `hyp status`: last hour's requests and errors per upstream, and an
// `upstream_errors` warning for an upstream failing often enough to matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivationContext, StatusSectionSpec, StatusContext } from '@hypaware/core';
import { exchangesDataset } from '@hypaware/ai-gateway/internal/datasets.js';
import { registerUpstreamStatus, type UpstreamHourRow } from '@hypaware/ui/internal/upstream-status.js';
import { historyHome } from '../query/messages-spec.js';

test('per upstream: requests, errors, rate; a warning past 20% of at least 5 requests', async () => {
  const home = await historyHome([exchangesDataset]);
  const insert = home.db.prepare(
    `INSERT INTO ai_gateway_exchanges (exchange_id, ts_start, date, upstream, method, path, status_code, error, aborted, duration_ms)
     VALUES (?, ?, ?, ?, 'POST', '/v1/messages', ?, ?, ?, 100)`,
  );
  const now = Date.now();
  let n = 0;
  const add = (
    upstream: string | null,
    status: number | null,
    error: string | null,
    minutesAgo: number,
    aborted = 0,
  ) => {
    const at = new Date(now - minutesAgo * 60_000).toISOString();
    insert.run(String(n++).padStart(32, '0'), at, at.slice(0, 10), upstream, status, error, aborted);
  };
  for (let i = 0; i < 6; i++) add('anthropic', 200, null, 5 + i);
  add('anthropic', 429, null, 3);
  add('anthropic', 529, null, 2);
  add('anthropic', null, 'ECONNRESET', 1);
  add('anthropic', 200, null, 1, 1); // the client left: not the upstream's failure
  add('anthropic', 500, null, 90); // older than an hour
  add('openai', 200, null, 4);
  add('openai', 503, null, 4); // 50% of 2 requests: too few to warn

  let spec: StatusSectionSpec<UpstreamHourRow[] | null> | undefined;
  registerUpstreamStatus({
    registerStatusSection: (s: StatusSectionSpec<UpstreamHourRow[] | null>) => (spec = s),
  } as unknown as ActivationContext);
  const result = await spec!.collect({ database: () => home.db } as unknown as StatusContext);
  assert.deepEqual(result.data, [
    { upstream: 'anthropic', requests: 10, errors: 3, error_rate: 0.3 },
    { upstream: 'openai', requests: 2, errors: 1, error_rate: 0.5 },
  ]);
  assert.deepEqual(
    result.diagnostics?.map((d) => [d.kind, d.level, d.message]),
    [['upstream_errors', 'warn', 'upstream anthropic: 3 of 10 requests failed in the last hour (30%)']],
  );
  assert.equal(
    spec!.render(result.data),
    'Upstreams (last hour):\n  anthropic: 10 requests, 3 errors (30.0%)\n  openai: 2 requests, 1 error (50.0%)\n',
  );
  assert.equal(spec!.render(null), '');
  home.db.close();
});
