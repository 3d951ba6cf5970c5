/**
 * The history views in PostgreSQL, with the same names and columns as the local ones
 * (`ai_responses`, `ai_sessions`), plus where each row came from (`hyp_machine_id`,
 * `hyp_user_name`): a session is one machine's. Each view is a list of output columns with the
 * expression that computes them, so a new column is one more entry. `cost_usd` is the gateway's
 * own rule (its `costSql`, the SQL its SQLite views use), each row priced with the bands its
 * machine shipped (`ai_model_prices`, mirrored per machine).
 */
import type { CostSql } from '@hypaware/ai-gateway';
import { ident } from './connection.js';
import { PRICES_TABLE } from './shipped-datasets.js';

export interface ViewInputs {
  /** the schema-qualified name of a table */
  table(name: string): string;
  /** the messages table has this column */
  has(column: string): boolean;
  /** the cost rule, when the price table is in the replica (absent: no cost columns) */
  cost?: CostSql;
}

export interface PgViewSpec {
  name: string;
  /** the tables of the schema it reads */
  requires: string[];
  select(inputs: ViewInputs): string;
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
/** Row `m` carries usage when any usage term is set (one carrier row per model response). */
const CARRIER = `(${TOKEN_TERMS.map((t) => `m.${t} IS NOT NULL`).join(' OR ')})`;
const SESSION_KEY = 'COALESCE(m.session_id, m.conversation_id)';

/** The messages as `m`, each with its machine's price band `p` (no join without the cost rule). */
function pricedMessages(inputs: ViewInputs): string {
  const from = `FROM ${inputs.table(MESSAGES)} AS m`;
  if (!inputs.cost) return from;
  return `${from}
LEFT JOIN ${inputs.table(PRICES_TABLE)} AS p ON p.hyp_machine_id = m.hyp_machine_id AND ${inputs.cost.priceMatch}`;
}

/** `ai_responses`: one row per model response with its usage, token terms never NULL. */
export const RESPONSE_COLUMNS: ViewColumn[] = [
  { name: 'hyp_machine_id', expr: 'm.hyp_machine_id' },
  { name: 'hyp_user_name', expr: 'm.hyp_user_name' },
  { name: 'session_id', expr: SESSION_KEY },
  ...['conversation_id', 'agent_id', 'client_name', 'provider', 'model', 'message_id', 'request_id'].map((c) => ({
    name: c,
    expr: `m.${c}`,
  })),
  { name: 'message_created_at', expr: 'm.message_created_at' },
  { name: 'date', expr: 'm.date' },
  { name: 'cwd', expr: 'm.cwd' },
  ...TOKEN_TERMS.map((t) => ({ name: t, expr: `COALESCE(m.${t}, 0)` })),
  {
    name: 'context_tokens',
    expr: 'COALESCE(m.input_tokens, 0) + COALESCE(m.cache_read_input_tokens, 0) + COALESCE(m.cache_creation_input_tokens, 0)',
  },
  { name: 'finish_reason', expr: "m.status->>'finish_reason'" },
];

/** After the usage columns of `ai_responses`, in the local view's order. */
function responseTail(inputs: ViewInputs): ViewColumn[] {
  return [
    ...(inputs.cost ? [{ name: 'cost_usd', expr: inputs.cost.costUsd }] : []),
    { name: 'billing', expr: 'm.billing', needs: 'billing' },
  ];
}

/** `ai_sessions`: one row per machine and session; aggregates over the session's rows. */
export const SESSION_COLUMNS: ViewColumn[] = [
  { name: 'client_name', expr: 'max(m.client_name)' },
  { name: 'provider', expr: 'max(m.provider)' },
  { name: 'models', expr: "string_agg(DISTINCT m.model, ',')" },
  { name: 'cwd', expr: 'max(m.cwd)' },
  { name: 'first_message_at', expr: 'min(m.message_created_at)' },
  { name: 'last_message_at', expr: 'max(m.message_created_at)' },
  { name: 'messages', expr: 'count(DISTINCT m.message_id)' },
  { name: 'user_messages', expr: "count(DISTINCT CASE WHEN m.role = 'user' THEN m.message_id END)" },
  { name: 'responses', expr: `count(CASE WHEN ${CARRIER} THEN 1 END)` },
  ...TOKEN_TERMS.map((t) => ({ name: t, expr: `SUM(COALESCE(m.${t}, 0))::bigint` })),
  { name: 'tool_calls', expr: "count(CASE WHEN m.part_type = 'tool_call' THEN 1 END)" },
  { name: 'tool_errors', expr: "count(CASE WHEN m.part_type = 'tool_result' AND m.is_error THEN 1 END)" },
  { name: 'subagents', expr: 'count(DISTINCT m.agent_id)' },
];

/** Per machine and session, over its responses: the priced sum, the unpriced count, the billing. */
function sessionCostColumns(inputs: ViewInputs): ViewColumn[] {
  const cost = inputs.cost;
  return [
    ...(cost
      ? [
          { name: 'priced_usd', expr: `SUM(${cost.costUsd})` },
          { name: 'unpriced_responses', expr: `count(CASE WHEN (${cost.costUsd}) IS NULL THEN 1 END)` },
        ]
      : []),
    {
      name: 'billing',
      expr: "CASE WHEN min(m.billing) = max(m.billing) THEN min(m.billing) WHEN min(m.billing) IS NOT NULL THEN 'mixed' END",
      needs: 'billing',
    },
  ];
}

/** The output columns of `ai_sessions` taken from the cost aggregate `c`. */
function sessionCostOutputs(names: string[]): string[] {
  return names.flatMap((n) =>
    n === 'priced_usd'
      ? ['CASE WHEN COALESCE(c.unpriced_responses, 0) = 0 THEN COALESCE(c.priced_usd, 0) END AS cost_usd']
      : n === 'unpriced_responses'
        ? ['COALESCE(c.unpriced_responses, 0) AS unpriced_responses']
        : [`c.${ident(n)}`],
  );
}

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
    select: (inputs) =>
      `SELECT ${list(present([...RESPONSE_COLUMNS, ...responseTail(inputs)], inputs.has))}
${pricedMessages(inputs)}
WHERE ${CARRIER}`,
  },
  {
    name: 'ai_sessions',
    requires: [MESSAGES],
    select: (inputs) => {
      const t = inputs.table;
      const columns = present(SESSION_COLUMNS, inputs.has);
      const costs = present(sessionCostColumns(inputs), inputs.has);
      const order = [
        ...SESSION_ORDER.filter((c) => c === 'model' || columns.some((s) => s.name === c)),
        ...columns.map((c) => c.name).filter((c) => !SESSION_ORDER.includes(c)),
      ];
      const outer = [
        ...order.map((c) => (c === 'model' ? 'mm.model' : `s.${ident(c)}`)),
        ...sessionCostOutputs(costs.map((c) => c.name)),
      ].join(', ');
      const costCte =
        costs.length === 0
          ? ''
          : `,
cost AS (
  SELECT m.hyp_machine_id, ${SESSION_KEY} AS session_id,
  ${list(costs)}
  ${pricedMessages(inputs)}
  WHERE ${CARRIER}
  GROUP BY m.hyp_machine_id, ${SESSION_KEY}
)`;
      const costJoin =
        costs.length === 0
          ? ''
          : '\nLEFT JOIN cost AS c ON c.hyp_machine_id = s.hyp_machine_id AND c.session_id = s.session_id';
      return `WITH main_model AS (
  SELECT hyp_machine_id, session_id, model FROM (
    SELECT m.hyp_machine_id, ${SESSION_KEY} AS session_id, m.model,
      row_number() OVER (PARTITION BY m.hyp_machine_id, ${SESSION_KEY} ORDER BY count(*) DESC, m.model) AS rank
    FROM ${t(MESSAGES)} AS m
    WHERE m.model IS NOT NULL AND ${CARRIER}
    GROUP BY m.hyp_machine_id, ${SESSION_KEY}, m.model) AS ranked
  WHERE rank = 1
)${costCte}
SELECT s.hyp_machine_id, s.hyp_user_name, s.session_id, ${outer}
FROM (
  SELECT m.hyp_machine_id, max(m.hyp_user_name) AS hyp_user_name, ${SESSION_KEY} AS session_id,
  ${list(columns)}
  FROM ${t(MESSAGES)} AS m
  GROUP BY m.hyp_machine_id, ${SESSION_KEY}
) AS s
LEFT JOIN main_model AS mm ON mm.hyp_machine_id = s.hyp_machine_id AND mm.session_id = s.session_id${costJoin}`;
    },
  },
];
