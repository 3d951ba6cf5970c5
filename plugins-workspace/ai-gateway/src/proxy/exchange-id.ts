/**
 * Exchange ids: 32 hex characters laid out as a UUIDv7 (RFC 9562): the first 48 bits are the
 * request's arrival in Unix milliseconds, then the version nibble 7, then random bits with the
 * RFC variant. Ids of later exchanges sort after earlier ones, so the indexes that hold them
 * (`ai_gateway_exchanges.exchange_id`, `ai_gateway_messages.exchange_id`) grow at their right
 * edge: a batch of exchanges touches a page or two of each instead of one page per exchange.
 */
import { randomUUID } from 'node:crypto';

const MAX_MS = 2 ** 48 - 1;

/** A new exchange id for a request that arrived at `arrivedMs` (Unix milliseconds). */
export function newExchangeId(arrivedMs: number = Date.now()): string {
  if (!Number.isInteger(arrivedMs) || arrivedMs < 0 || arrivedMs > MAX_MS)
    throw new RangeError(`exchange id: arrival ${arrivedMs} is not a Unix time in milliseconds`);
  // randomUUID draws from node's cached entropy pool: a v4 id whose variant bits are already
  // the RFC's; its version nibble becomes 7 and its first 48 bits the time
  const random = randomUUID().replaceAll('-', '');
  return `${arrivedMs.toString(16).padStart(12, '0')}7${random.slice(13)}`;
}
