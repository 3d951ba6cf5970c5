/** The `upstreams` section of `hyp status`: each upstream's requests and error rate over the last hour. */
import type { ActivationContext } from '@hypaware/core';
import { errorKind, exchangeTimings } from './history/upstream-health.js';

export interface UpstreamHourRow {
  upstream: string;
  requests: number;
  errors: number;
  error_rate: number;
}

/** A `upstream_errors` warning: at least this many requests in the hour, and at least this share failed. */
const ALERT_MIN_REQUESTS = 5;
const ALERT_ERROR_RATE = 0.2;

export function registerUpstreamStatus(ctx: ActivationContext): void {
  ctx.registerStatusSection<UpstreamHourRow[] | null>({
    key: 'upstreams',
    collect(status) {
      const db = status.database();
      if (!db) return { data: null };
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const by = new Map<string, UpstreamHourRow>();
      for (const r of exchangeTimings(db, since).rows) {
        const name = r.upstream ?? '(no upstream)';
        const row = by.get(name) ?? by.set(name, { upstream: name, requests: 0, errors: 0, error_rate: 0 }).get(name)!;
        row.requests++;
        if (errorKind(r)) row.errors++;
      }
      const data = [...by.values()].map((r) => ({ ...r, error_rate: r.errors / r.requests }));
      const failing = data.filter((r) => r.requests >= ALERT_MIN_REQUESTS && r.error_rate >= ALERT_ERROR_RATE);
      return {
        data: data.sort((a, b) => b.requests - a.requests),
        diagnostics: failing.map((r) => ({
          kind: 'upstream_errors',
          level: 'warn' as const,
          message: `upstream ${r.upstream}: ${r.errors} of ${r.requests} requests failed in the last hour (${(r.error_rate * 100).toFixed(0)}%)`,
          repair:
            "hyp ui (Upstreams page), or hyp query sql \"SELECT status_code, error, count(*) FROM ai_gateway_exchanges WHERE ts_start >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour') GROUP BY 1, 2\"",
        })),
      };
    },
    render(data) {
      if (data === null) return '';
      if (data.length === 0) return 'Upstreams (last hour): no requests\n';
      return (
        'Upstreams (last hour):\n' +
        data
          .map(
            (r) =>
              `  ${r.upstream}: ${r.requests} ${r.requests === 1 ? 'request' : 'requests'}, ${r.errors} ${r.errors === 1 ? 'error' : 'errors'} (${(r.error_rate * 100).toFixed(1)}%)`,
          )
          .join('\n') +
        '\n'
      );
    },
  });
}
