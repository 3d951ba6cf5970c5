/**
 * The documented views over `ai_gateway_messages`, registered with the kernel at activation:
 * the kernel creates them when the database opens (once their tables exist) and lists them in
 * `hyp query schema`. docs/querying.md renders their columns (test/query/querying-doc.test.ts).
 */
import type { ColumnSpec, ViewSpec } from '@hypaware/core';
import { MESSAGES_DATASET } from '../datasets.js';
import { PRICES_DATASET } from './model-prices-table.js';
import { carrierCondition, COST_USD, PRICED_CARRIERS, sessionKey } from './usage-sql.js';

const CARRIER = carrierCondition();
const SESSION_KEY = sessionKey();

const BILLING_COLUMN: ColumnSpec = {
  name: 'billing',
  type: 'string',
  description:
    'api (paid per token) or subscription (a plan: cost_usd is the API-equivalent, not money spent); NULL unknown',
};

const TOKEN_COLUMNS: ColumnSpec[] = [
  {
    name: 'input_tokens',
    type: 'int',
    nullable: false,
    description: 'input tokens not read from or written to the cache',
  },
  {
    name: 'cache_read_input_tokens',
    type: 'int',
    nullable: false,
    description: 'input tokens served from the prompt cache',
  },
  {
    name: 'cache_creation_input_tokens',
    type: 'int',
    nullable: false,
    description: 'input tokens written to the prompt cache',
  },
  { name: 'output_tokens', type: 'int', nullable: false, description: 'output tokens (reasoning included)' },
  {
    name: 'reasoning_tokens',
    type: 'int',
    nullable: false,
    description: 'reasoning tokens, as reported by the provider',
  },
];

export const HISTORY_VIEWS: ViewSpec[] = [
  {
    name: 'ai_responses',
    description:
      'one row per model response with its usage (the carrier rows of ai_gateway_messages, token terms never NULL)',
    requires: [MESSAGES_DATASET, PRICES_DATASET],
    primaryTime: 'message_created_at',
    columns: [
      {
        name: 'session_id',
        type: 'string',
        description: 'session (conversation_id when the client has no session id)',
      },
      { name: 'conversation_id', type: 'string' },
      { name: 'agent_id', type: 'string', description: 'sub-agent id, NULL for the main agent' },
      { name: 'client_name', type: 'string' },
      { name: 'provider', type: 'string' },
      { name: 'model', type: 'string' },
      { name: 'message_id', type: 'string', description: 'the assistant message that carries the usage' },
      { name: 'request_id', type: 'string' },
      { name: 'message_created_at', type: 'timestamp' },
      { name: 'date', type: 'string', description: 'UTC date, YYYY-MM-DD' },
      { name: 'cwd', type: 'string' },
      ...TOKEN_COLUMNS,
      {
        name: 'context_tokens',
        type: 'int',
        nullable: false,
        description: 'input + cache read + cache write: the prompt the model saw',
      },
      { name: 'finish_reason', type: 'string', description: 'status.finish_reason of the carrier row' },
      {
        name: 'cost_usd',
        type: 'float',
        description:
          'USD at list price: each token kind at its rate (ai_model_prices, long-context tier by context_tokens); NULL when the model has no price',
      },
      BILLING_COLUMN,
    ],
    select: `SELECT ${sessionKey('m.')} AS session_id, m.conversation_id, m.agent_id, m.client_name, m.provider, m.model,
  m.message_id, m.request_id, m.message_created_at, m.date, m.cwd,
  COALESCE(m.input_tokens, 0) AS input_tokens,
  COALESCE(m.cache_read_input_tokens, 0) AS cache_read_input_tokens,
  COALESCE(m.cache_creation_input_tokens, 0) AS cache_creation_input_tokens,
  COALESCE(m.output_tokens, 0) AS output_tokens,
  COALESCE(m.reasoning_tokens, 0) AS reasoning_tokens,
  COALESCE(m.input_tokens, 0) + COALESCE(m.cache_read_input_tokens, 0) + COALESCE(m.cache_creation_input_tokens, 0) AS context_tokens,
  json_extract(m.status, '$.finish_reason') AS finish_reason,
  ${COST_USD} AS cost_usd,
  m.billing
${PRICED_CARRIERS}`,
  },
  {
    name: 'ai_sessions',
    description: 'one row per session: client, main model, time span, messages, tokens, cost and tool calls',
    requires: [MESSAGES_DATASET, PRICES_DATASET],
    primaryTime: 'last_message_at',
    columns: [
      {
        name: 'session_id',
        type: 'string',
        nullable: false,
        description: 'session (conversation_id when the client has no session id)',
      },
      { name: 'client_name', type: 'string' },
      { name: 'provider', type: 'string' },
      { name: 'model', type: 'string', description: 'the model that answered most responses' },
      { name: 'models', type: 'string', description: 'every model seen, comma-separated' },
      { name: 'cwd', type: 'string', description: 'working directory (the greatest, if the session changed it)' },
      { name: 'first_message_at', type: 'timestamp' },
      { name: 'last_message_at', type: 'timestamp' },
      { name: 'messages', type: 'int', nullable: false, description: 'distinct message ids' },
      { name: 'user_messages', type: 'int', nullable: false, description: 'distinct user message ids' },
      { name: 'responses', type: 'int', nullable: false, description: 'model responses (rows that carry usage)' },
      ...TOKEN_COLUMNS,
      { name: 'tool_calls', type: 'int', nullable: false },
      { name: 'tool_errors', type: 'int', nullable: false, description: 'tool results flagged is_error' },
      { name: 'subagents', type: 'int', nullable: false, description: 'distinct sub-agent ids' },
      {
        name: 'cost_usd',
        type: 'float',
        description: "sum of the responses' cost_usd; NULL when any response has no price (see unpriced_responses)",
      },
      { name: 'unpriced_responses', type: 'int', nullable: false, description: 'responses whose cost_usd is NULL' },
      { ...BILLING_COLUMN, description: `${BILLING_COLUMN.description}; mixed when both` },
    ],
    select: `WITH main_model AS (
  SELECT session_id, model, max(responses) AS responses FROM (
    SELECT ${SESSION_KEY} AS session_id, model, count(*) AS responses
    FROM ai_gateway_messages
    WHERE model IS NOT NULL AND ${CARRIER}
    GROUP BY 1, 2)
  GROUP BY session_id
),
cost AS (
  SELECT ${sessionKey('m.')} AS session_id,
    SUM(${COST_USD}) AS priced_usd,
    count(CASE WHEN (${COST_USD}) IS NULL THEN 1 END) AS unpriced_responses,
    CASE WHEN min(m.billing) = max(m.billing) THEN min(m.billing) WHEN min(m.billing) IS NOT NULL THEN 'mixed' END AS billing
  ${PRICED_CARRIERS}
  GROUP BY 1
)
SELECT s.session_id, s.client_name, s.provider, m.model, s.models, s.cwd, s.first_message_at, s.last_message_at,
  s.messages, s.user_messages, s.responses, s.input_tokens, s.cache_read_input_tokens, s.cache_creation_input_tokens,
  s.output_tokens, s.reasoning_tokens, s.tool_calls, s.tool_errors, s.subagents,
  CASE WHEN COALESCE(c.unpriced_responses, 0) = 0 THEN COALESCE(c.priced_usd, 0) END AS cost_usd,
  COALESCE(c.unpriced_responses, 0) AS unpriced_responses,
  c.billing
FROM (
  SELECT ${SESSION_KEY} AS session_id,
    max(client_name) AS client_name,
    max(provider) AS provider,
    group_concat(DISTINCT model) AS models,
    max(cwd) AS cwd,
    min(message_created_at) AS first_message_at,
    max(message_created_at) AS last_message_at,
    count(DISTINCT message_id) AS messages,
    count(DISTINCT CASE WHEN role = 'user' THEN message_id END) AS user_messages,
    count(CASE WHEN ${CARRIER} THEN 1 END) AS responses,
    SUM(COALESCE(input_tokens, 0)) AS input_tokens,
    SUM(COALESCE(cache_read_input_tokens, 0)) AS cache_read_input_tokens,
    SUM(COALESCE(cache_creation_input_tokens, 0)) AS cache_creation_input_tokens,
    SUM(COALESCE(output_tokens, 0)) AS output_tokens,
    SUM(COALESCE(reasoning_tokens, 0)) AS reasoning_tokens,
    count(CASE WHEN part_type = 'tool_call' THEN 1 END) AS tool_calls,
    count(CASE WHEN part_type = 'tool_result' AND is_error = 1 THEN 1 END) AS tool_errors,
    count(DISTINCT agent_id) AS subagents
  FROM ai_gateway_messages
  GROUP BY 1
) AS s
LEFT JOIN main_model AS m ON m.session_id = s.session_id
LEFT JOIN cost AS c ON c.session_id = s.session_id`,
  },
];
