/**
 * The documented views over `ai_gateway_messages`, registered with the kernel at activation:
 * the kernel creates them when the database opens (once their tables exist) and lists them in
 * `hyp query schema`. docs/querying.md renders their columns (test/query/querying-doc.test.ts).
 */
import type { ColumnSpec, ViewSpec } from '@hypaware/core';
import { MESSAGES_DATASET } from '../datasets.js';

/** A row carries usage when any usage term is set (one carrier row per model response). */
const CARRIER = `(input_tokens IS NOT NULL OR cache_read_input_tokens IS NOT NULL OR cache_creation_input_tokens IS NOT NULL
    OR output_tokens IS NOT NULL OR reasoning_tokens IS NOT NULL)`;
const SESSION_KEY = 'COALESCE(session_id, conversation_id)';

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
    requires: [MESSAGES_DATASET],
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
    ],
    select: `SELECT ${SESSION_KEY} AS session_id, conversation_id, agent_id, client_name, provider, model, message_id, request_id,
  message_created_at, date, cwd,
  COALESCE(input_tokens, 0) AS input_tokens,
  COALESCE(cache_read_input_tokens, 0) AS cache_read_input_tokens,
  COALESCE(cache_creation_input_tokens, 0) AS cache_creation_input_tokens,
  COALESCE(output_tokens, 0) AS output_tokens,
  COALESCE(reasoning_tokens, 0) AS reasoning_tokens,
  COALESCE(input_tokens, 0) + COALESCE(cache_read_input_tokens, 0) + COALESCE(cache_creation_input_tokens, 0) AS context_tokens,
  json_extract(status, '$.finish_reason') AS finish_reason
FROM ai_gateway_messages
WHERE ${CARRIER}`,
  },
  {
    name: 'ai_sessions',
    description: 'one row per session: client, main model, time span, messages, tokens and tool calls',
    requires: [MESSAGES_DATASET],
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
    ],
    select: `WITH main_model AS (
  SELECT session_id, model, max(responses) AS responses FROM (
    SELECT ${SESSION_KEY} AS session_id, model, count(*) AS responses
    FROM ai_gateway_messages
    WHERE model IS NOT NULL AND ${CARRIER}
    GROUP BY 1, 2)
  GROUP BY session_id
)
SELECT s.session_id, s.client_name, s.provider, m.model, s.models, s.cwd, s.first_message_at, s.last_message_at,
  s.messages, s.user_messages, s.responses, s.input_tokens, s.cache_read_input_tokens, s.cache_creation_input_tokens,
  s.output_tokens, s.reasoning_tokens, s.tool_calls, s.tool_errors, s.subagents
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
LEFT JOIN main_model AS m ON m.session_id = s.session_id`,
  },
];
