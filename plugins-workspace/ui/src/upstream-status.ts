/** The `upstreams` section of `hyp status`: each upstream's requests and error rate over the last hour. */
import type { ActivationContext } from '@hypaware/core';
import { errorKind, exchangeTimings } from './history/upstream-health.js';

export interface UpstreamHourRow {
  upstream: string;
  requests: number;
  errors: number;
  error_rate: number;
}

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
      return { data: data.sort((a, b) => b.requests - a.requests) };
    },
    render(data) {
      if (data === null) return '';
      if (data.length === 0) return 'Upstreams (last hour): no requests\n';
      return (
        'Upstreams (last hour):\n' +
        data
          .map(
            (r) => `  ${r.upstream}: ${r.requests} requests, ${r.errors} errors (${(r.error_rate * 100).toFixed(1)}%)`,
          )
          .join('\n') +
        '\n'
      );
    },
  });
}
