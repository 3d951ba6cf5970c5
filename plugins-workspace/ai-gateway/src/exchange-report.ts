/**
 * The log records and counters of one exchange's outcome, built here only: `aigw.exchange`
 * (exactly once per exchange, written or not) with `aigw.exchange_bytes`, and
 * `aigw.exchange_write_failed` with `aigw.exchange_write_failures`. The writer thread reports
 * what it wrote or could not write; the handoff reports what it gives up on.
 */
import type { Logger, Meter } from '@hypaware/core';
import type { ExchangeRecord } from './exchange-record.js';

/** What became of the exchange (null where nothing was decoded or projected). */
export interface ExchangeOutcome {
  is_sse: boolean | null;
  rows_written: number;
  projector: string | null;
  skip_reason: string | null;
  error: string | null;
  /** why its rows and exchange row were not stored */
  write_failed?: string;
  dev_run_id?: string;
}

/** `aigw.exchange` and the byte counter, unless the record was reported already (then nothing). */
export function reportExchange(record: ExchangeRecord, outcome: ExchangeOutcome, log: Logger, meter: Meter): void {
  if (record.reported) return;
  record.reported = true;
  log.info('aigw.exchange', {
    exchange_id: record.exchange_id,
    upstream: record.upstream,
    path: record.path,
    status_code: record.status_code ?? 0,
    request_bytes: record.request_bytes,
    response_bytes: record.response_bytes,
    is_sse: outcome.is_sse,
    rows_written: outcome.rows_written,
    projector: outcome.projector,
    skip_reason: outcome.skip_reason,
    error: outcome.error,
    duration_ms: record.duration_ms,
    ...(outcome.write_failed ? { write_failed: outcome.write_failed } : {}),
    ...(outcome.dev_run_id ? { dev_run_id: outcome.dev_run_id } : {}),
  });
  meter
    .counter('aigw.exchange_bytes')
    .add(record.request_bytes + record.response_bytes, { hyp_upstream: record.upstream ?? '(none)' });
}

/** One exchange whose storage failed (`reason`), logged and counted. */
export function reportWriteFailure(
  record: ExchangeRecord,
  reason: string,
  error: string | undefined,
  log: Logger,
  meter: Meter,
): void {
  log.error('aigw.exchange_write_failed', {
    exchange_id: record.exchange_id,
    upstream: record.upstream,
    reason,
    ...(error !== undefined ? { error } : {}),
  });
  meter.counter('aigw.exchange_write_failures').add(1, { reason });
}
