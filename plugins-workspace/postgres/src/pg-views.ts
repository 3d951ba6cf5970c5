/**
 * The history views in PostgreSQL, with the same names and columns as the local ones
 * (`ai_responses`, `ai_sessions`), plus where each row came from (`hyp_machine_id`,
 * `hyp_user_name`): a session is one machine's. Each view is a list of output columns with the
 * expression that computes them, so a new column (a cost estimate) is one more entry.
 */
import { ident } from './connection.js';

export interface PgViewSpec {
  name: string;
  /** the tables of the schema it reads */
  requires: string[];
  /** the statement, given the schema-qualified table names and the columns the messages table has */
  select(table: (name: string) => string, has: (column: string) => boolean): string;
}

export interface ViewColumn {
  name: string;
  expr: string;
  /** a column of the messages table it reads that older HypAware versions lack: left out until it exists */
  needs?: string;
}

const MESSAGES = 'ai_gateway_messages';
const TOKEN_TERMS = [
  'input_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
  'output_tokens',
  'reasoning_tokens',
];
/** A row carries usage when any usage term is set (one carrier row per model response). */
const CARRIER = `(${TOKEN_TERMS.map((t) => `${t} IS NOT NULL`).join(' OR ')})`;
const SESSION_KEY = 'COALESCE(session_id, conversation_id)';

/** `ai_responses`: one row per model response with its usage, token terms never NULL. */
export const RESPONSE_COLUMNS: ViewColumn[] = [
  { name: 'hyp_machine_id', expr: 'hyp_machine_id' },
  { name: 'hyp_user_name', expr: 'hyp_user_name' },
  { name: 'session_id', expr: SESSION_KEY },
  ...['conversation_id', 'agent_id', 'client_name', 'provider', 'model', 'message_id', 'request_id'].map((c) => ({
    name: c,
    expr: c,
  })),
  { name: 'message_created_at', expr: 'message_created_at' },
  { name: 'date', expr: 'date' },
  { name: 'cwd', expr: 'cwd' },
  ...TOKEN_TERMS.map((t) => ({ name: t, expr: `COALESCE(${t}, 0)` })),
  {
    name: 'context_tokens',
    expr: 'COALESCE(input_tokens, 0) + COALESCE(cache_read_input_tokens, 0) + COALESCE(cache_creation_input_tokens, 0)',
  },
  { name: 'finish_reason', expr: "status->>'finish_reason'" },
  { name: 'billing', expr: 'billing', needs: 'billing' },
];

/** `ai_sessions`: one row per machine and session; aggregates over the session's rows. */
export const SESSION_COLUMNS: ViewColumn[] = [
  { name: 'client_name', expr: 'max(client_name)' },
  { name: 'provider', expr: 'max(provider)' },
  { name: 'models', expr: "string_agg(DISTINCT model, ',')" },
  { name: 'cwd', expr: 'max(cwd)' },
  { name: 'first_message_at', expr: 'min(message_created_at)' },
  { name: 'last_message_at', expr: 'max(message_created_at)' },
  { name: 'messages', expr: 'count(DISTINCT message_id)' },
  { name: 'user_messages', expr: "count(DISTINCT CASE WHEN role = 'user' THEN message_id END)" },
  { name: 'responses', expr: `count(CASE WHEN ${CARRIER} THEN 1 END)` },
  ...TOKEN_TERMS.map((t) => ({ name: t, expr: `SUM(COALESCE(${t}, 0))::bigint` })),
  { name: 'tool_calls', expr: "count(CASE WHEN part_type = 'tool_call' THEN 1 END)" },
  { name: 'tool_errors', expr: "count(CASE WHEN part_type = 'tool_result' AND is_error THEN 1 END)" },
  { name: 'subagents', expr: 'count(DISTINCT agent_id)' },
];

/** Output order of `ai_sessions` (the local view's, after the origin): `model` comes from the main-model join. */
const SESSION_ORDER = [
  'client_name',
  'provider',
  'model',
  'models',
  'cwd',
  'first_message_at',
  'last_message_at',
  'messages',
  'user_messages',
  'responses',
  ...TOKEN_TERMS,
  'tool_calls',
  'tool_errors',
  'subagents',
];

const present = (cols: ViewColumn[], has: (column: string) => boolean) =>
  cols.filter((c) => c.needs === undefined || has(c.needs));
const list = (cols: ViewColumn[]) => cols.map((c) => `${c.expr} AS ${ident(c.name)}`).join(',\n  ');

export const PG_VIEWS: PgViewSpec[] = [
  {
    name: 'ai_responses',
    requires: [MESSAGES],
    select: (t, has) => `SELECT ${list(present(RESPONSE_COLUMNS, has))}\nFROM ${t(MESSAGES)}\nWHERE ${CARRIER}`,
  },
  {
    name: 'ai_sessions',
    requires: [MESSAGES],
    select: (t, has) => {
      const columns = present(SESSION_COLUMNS, has);
      const order = [
        ...SESSION_ORDER.filter((c) => c === 'model' || columns.some((s) => s.name === c)),
        ...columns.map((c) => c.name).filter((c) => !SESSION_ORDER.includes(c)),
      ];
      const outer = order.map((c) => (c === 'model' ? 'm.model' : `s.${ident(c)}`)).join(', ');
      return `WITH main_model AS (
  SELECT hyp_machine_id, session_id, model FROM (
    SELECT hyp_machine_id, ${SESSION_KEY} AS session_id, model,
      row_number() OVER (PARTITION BY hyp_machine_id, ${SESSION_KEY} ORDER BY count(*) DESC, model) AS rank
    FROM ${t(MESSAGES)}
    WHERE model IS NOT NULL AND ${CARRIER}
    GROUP BY hyp_machine_id, ${SESSION_KEY}, model) AS ranked
  WHERE rank = 1
)
SELECT s.hyp_machine_id, s.hyp_user_name, s.session_id, ${outer}
FROM (
  SELECT hyp_machine_id, max(hyp_user_name) AS hyp_user_name, ${SESSION_KEY} AS session_id,
  ${list(columns)}
  FROM ${t(MESSAGES)}
  GROUP BY hyp_machine_id, ${SESSION_KEY}
) AS s
LEFT JOIN main_model AS m ON m.hyp_machine_id = s.hyp_machine_id AND m.session_id = s.session_id`;
    },
  },
];
