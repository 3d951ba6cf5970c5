/**
 * Projector dispatch: the projectors whose match() is exactly true, in
 * priority then registration order; the first valid non-empty projection wins. Throws,
 * invalid output and empty projections move on to the next projector.
 */
import { errorMessage, isPlainObject, type Logger } from '@hypaware/core';
import type { ExchangeInput, ProjectedExchange } from '../api-types.js';
import type { ProjectorEntry } from '../projector-entries.js';

export type SkipReason = 'no_projector_match' | 'all_projectors_failed' | 'empty_projection';

export interface DispatchResult {
  projection?: ProjectedExchange;
  /** the winning projector */
  projector?: string;
  /** names of every projector whose match() was true */
  matched: string[];
  /** null when a projector won */
  skipReason: SkipReason | null;
}

function isValidProjection(v: unknown): v is ProjectedExchange {
  return (
    isPlainObject(v) &&
    typeof v.provider === 'string' &&
    v.provider !== '' &&
    typeof v.conversation_id === 'string' &&
    v.conversation_id !== '' &&
    Array.isArray(v.messages)
  );
}

/** `ordered` must already be in dispatch order (`inDispatchOrder`). */
export async function dispatchProjectors(
  ordered: readonly ProjectorEntry[],
  input: ExchangeInput,
  log: Logger,
  attempt: number,
): Promise<DispatchResult> {
  const ids = { exchange_id: input.exchange_id };
  const matching = ordered.filter(({ projector }) => {
    try {
      return projector.match(input) === true;
    } catch (err) {
      log.warn('aigw.projector_match_error', { ...ids, projector: projector.name, error: errorMessage(err) });
      return false;
    }
  });
  const matched = matching.map((e) => e.projector.name);
  let failures = 0;
  let result: DispatchResult | undefined;
  for (const { projector } of matching) {
    let output: unknown;
    try {
      output = await projector.project(input, { log, attempt });
    } catch (err) {
      failures++;
      log.warn('aigw.projector_error', { ...ids, projector: projector.name, error: errorMessage(err) });
      continue;
    }
    if (output === undefined) continue;
    if (!isValidProjection(output)) {
      failures++;
      log.warn('aigw.projector_invalid_output', {
        ...ids,
        projector: projector.name,
        message: 'expected {provider, conversation_id, messages[]}',
      });
      continue;
    }
    if (output.messages.length === 0) continue;
    result = { projection: output, projector: projector.name, matched, skipReason: null };
    break;
  }
  if (result) {
    if (matched.length > 1)
      log.warn('aigw.projector_conflict', {
        ...ids,
        path: input.pathname,
        winner: result.projector,
        matched: matched.join(','),
      });
    return result;
  }
  const skipReason: SkipReason =
    matching.length === 0 ? 'no_projector_match' : failures > 0 ? 'all_projectors_failed' : 'empty_projection';
  if (attempt === 0) {
    // a projector that declines (empty projection) is normal, e.g. token-count calls
    const emit = skipReason === 'empty_projection' ? log.info : log.warn;
    emit('aigw.message_projection_skipped', {
      ...ids,
      upstream: input.upstream,
      path: input.pathname,
      status_code: input.status_code,
      reason: skipReason,
      matched: matched.join(','),
    });
  }
  return { matched, skipReason };
}
