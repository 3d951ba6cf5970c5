/** Capture completeness: what the gateway wrote to its database versus what was sent through it. */
import type { Targets } from './targets.js';

export interface CaptureFigures {
  requests_sent: number;
  exchanges: number;
  exchanges_with_error: number | null;
  message_rows: number;
  rows_per_exchange: number;
  /** how long after the load the writer took to catch up, ms */
  settle_ms: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function count(targets: Targets, sql: string): number {
  const db = targets.gateway.db();
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function hasColumn(targets: Targets, table: string, column: string): boolean {
  const db = targets.gateway.db();
  try {
    return (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Array<{ name: string }>).some(
      (c) => c.name === column,
    );
  } finally {
    db.close();
  }
}

/**
 * Wait (at most `timeoutMs`) until every exchange sent through the gateway is in the database,
 * or the count stops moving for 10 s; returns the count, the count when the wait began and how
 * long it took.
 */
export async function waitForWriter(
  targets: Targets,
  timeoutMs = 120_000,
): Promise<{ exchanges: number; waitedMs: number; exchangesAtStart: number }> {
  const start = Date.now();
  let exchanges = 0;
  let exchangesAtStart = -1;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() - start < timeoutMs) {
    exchanges = count(targets, 'SELECT count(*) AS n FROM ai_gateway_exchanges');
    if (exchangesAtStart < 0) exchangesAtStart = exchanges;
    if (exchanges >= targets.gatewayRequests) break;
    if (exchanges !== last) {
      last = exchanges;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 10_000) break;
    await sleep(100);
  }
  return { exchanges, waitedMs: Date.now() - start, exchangesAtStart: Math.max(0, exchangesAtStart) };
}

export async function capturePhase(targets: Targets): Promise<CaptureFigures> {
  const { exchanges, waitedMs } = await waitForWriter(targets);
  const rows = count(targets, 'SELECT count(*) AS n FROM ai_gateway_messages');
  return {
    requests_sent: targets.gatewayRequests,
    exchanges,
    exchanges_with_error: hasColumn(targets, 'ai_gateway_exchanges', 'error')
      ? count(targets, 'SELECT count(*) AS n FROM ai_gateway_exchanges WHERE error IS NOT NULL')
      : null,
    message_rows: rows,
    rows_per_exchange: exchanges > 0 ? Math.round((rows / exchanges) * 100) / 100 : 0,
    settle_ms: waitedMs,
  };
}
