/**
 * SQL shared by the views and the overview: which rows carry usage, the session key, and the
 * cost of a response priced from `ai_model_prices`. Plain SQL (CASE, COALESCE, a range join)
 * so the same expressions run in SQLite and in a PostgreSQL copy of the views.
 */
import { MESSAGES_DATASET } from '../datasets.js';
import { carrierCondition } from './carrier-sql.js';
import { PRICES_DATASET } from './model-prices-table.js';

export { carrierCondition, sessionKey } from './carrier-sql.js';

/** input + cache read + cache write of message row `m`: the prompt the model saw (picks the context tier). */
export const CONTEXT_TOKENS = `(COALESCE(m.input_tokens, 0) + COALESCE(m.cache_read_input_tokens, 0) + COALESCE(m.cache_creation_input_tokens, 0))`;

/**
 * Band `p` prices message row `m`: same provider tag and model name, the period of its UTC date,
 * the tier of its context size. At most one band matches; none for a model never priced.
 */
export const PRICE_MATCH = `p.provider = m.provider AND p.model = m.model
  AND m.date >= p.valid_from AND m.date < p.valid_until
  AND ${CONTEXT_TOKENS} >= p.min_context_tokens
  AND (p.max_context_tokens IS NULL OR ${CONTEXT_TOKENS} <= p.max_context_tokens)`;

/** The price band of message row `m` as `p` (PRICE_MATCH). */
export const PRICE_JOIN = `LEFT JOIN ${PRICES_DATASET} AS p ON ${PRICE_MATCH}`;

function costTerm(tokens: string, rate: string): string {
  return `CASE WHEN COALESCE(m.${tokens}, 0) = 0 THEN 0 ELSE m.${tokens} * p.${rate} END`;
}

/**
 * USD of message row `m` priced by band `p`: each kind of token at its own rate. NULL when the
 * model has no price, or when tokens of a kind its price lacks were used (never a guess).
 */
export const COST_USD = `CASE WHEN p.source IS NULL THEN NULL ELSE (
    ${costTerm('input_tokens', 'input_mtok')}
    + ${costTerm('cache_read_input_tokens', 'cache_read_mtok')}
    + ${costTerm('cache_creation_input_tokens', 'cache_write_mtok')}
    + ${costTerm('output_tokens', 'output_mtok')}) / 1000000.0 END`;

/** The carrier rows of `ai_gateway_messages` as `m`, each joined to its price band `p`. */
export const PRICED_CARRIERS = `FROM ${MESSAGES_DATASET} AS m
${PRICE_JOIN}
WHERE ${carrierCondition('m.')}`;
