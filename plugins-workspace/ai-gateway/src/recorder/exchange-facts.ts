/**
 * What the writer keeps of an exchange between its projection and its transaction: the
 * fields rows and reports are built from, without the body text and the parsed stream events.
 * A batch holds up to 256 exchanges until it is written; with their bodies they would outlive
 * the writer's young generation and be promoted, and the old generation's collections cost
 * more than all the rest of the garbage (measured: bench/writer-phase.ts).
 */
import type { ExchangeInput } from '../api-types.js';

export type ExchangeFacts = Pick<
  ExchangeInput,
  'exchange_id' | 'ts_start' | 'upstream' | 'method' | 'path' | 'status_code' | 'is_sse' | 'error' | 'metadata'
> & {
  /** SSE events parsed (null when not SSE) */
  stream_event_count: number | null;
};

/** `streamEventCount` given (a stored exchange's column): the events are not parsed to count them. */
export function exchangeFacts(
  input: ExchangeInput,
  streamEventCount: number | null = input.is_sse ? input.stream_events.length : null,
): ExchangeFacts {
  return {
    exchange_id: input.exchange_id,
    ts_start: input.ts_start,
    upstream: input.upstream,
    method: input.method,
    path: input.path,
    status_code: input.status_code,
    is_sse: input.is_sse,
    error: input.error,
    metadata: input.metadata,
    stream_event_count: streamEventCount,
  };
}
