import type { ExchangeInput } from './api-types.js';

/**
 * What the proxy hands the writer for one finished exchange: the scalar fields projectors
 * also see, plus the raw material. Headers are NOT redacted yet (the record lives in memory
 * only; the writer redacts before anything is stored or shown to a projector). Bodies are
 * the captured bytes, at most `capture_max_bytes` each, backed by SharedArrayBuffers so the
 * record crosses to the writer thread without a copy and can be sent again if the writer
 * has to be restarted.
 */
/** The scalar fields of an exchange that projectors also see. */
export type ExchangeScalars = Pick<
  ExchangeInput,
  | 'exchange_id'
  | 'ts_start'
  | 'ts_end'
  | 'duration_ms'
  | 'upstream'
  | 'provider'
  | 'method'
  | 'path'
  | 'status_code'
  | 'request_truncated'
  | 'response_truncated'
  | 'error'
  | 'aborted'
>;

export type ExchangeRecord = ExchangeScalars & {
  /** flat [name, value, ...] as the client sent them */
  request_headers: string[];
  /** flat [name, value, ...] as the upstream sent them; null when no response started */
  response_headers: string[] | null;
  request_body: Uint8Array | null;
  /** response bytes as received (still content-encoded) */
  response_body: Uint8Array | null;
  request_bytes: number;
  response_bytes: number;
  /**
   * ms from the request's arrival to the first byte of the upstream's response sent to the
   * client; null when none was sent (no upstream answer, client gone first). Absent in
   * spill files written before the field existed.
   */
  ttfb_ms?: number | null;
  /** true once a writer has logged `aigw.exchange` for it (a later retry does not log again) */
  reported: boolean;
};

export function recordBytes(record: ExchangeRecord): number {
  return (record.request_body?.byteLength ?? 0) + (record.response_body?.byteLength ?? 0);
}
