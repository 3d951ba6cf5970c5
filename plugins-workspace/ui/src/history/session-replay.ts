/**
 * The conversation of one session in order, a page of parts at a time: every row of
 * `ai_gateway_messages` (prompts, assistant text, reasoning, tool calls and results, errors),
 * with each model response's tokens and cost on the row that carries them.
 */
import type { SqlDatabase } from '@hypaware/core';
import type { GatewayHistoryApi } from '@hypaware/ai-gateway';
import { MESSAGES, SESSION_ROWS } from './schema.js';

export interface ReplayPart {
  row: number;
  message_id: string;
  message_created_at: string;
  role: string;
  part_type: string;
  provider_subtype: string | null;
  content_text: string | null;
  /** characters of content_text before it was cut to the page budget */
  content_length: number | null;
  tool_name: string | null;
  tool_call_id: string | null;
  tool_args: string | null;
  tool_result_for: string | null;
  is_error: number | null;
  status: string | null;
  is_sidechain: number | null;
  agent_id: string | null;
  parent_agent_id: string | null;
  model: string | null;
  exchange_id: string | null;
  input_tokens: number | null;
  cache_read_input_tokens: number | null;
  cache_creation_input_tokens: number | null;
  output_tokens: number | null;
  /** cost of the response this row carries usage for (null: not a carrier, or no price) */
  estimated_cost_usd: number | null;
}

export interface ReplayPage {
  total: number;
  offset: number;
  parts: ReplayPart[];
}

export const DEFAULT_TEXT_BUDGET = 20_000;

const PARTS = `SELECT rowid AS row, message_id, message_created_at, role, part_type, provider_subtype,
  substr(content_text, 1, @budget) AS content_text, length(content_text) AS content_length,
  tool_name, tool_call_id, substr(tool_args, 1, @budget) AS tool_args, tool_result_for, is_error, status,
  is_sidechain, agent_id, parent_agent_id, model, exchange_id,
  input_tokens, cache_read_input_tokens, cache_creation_input_tokens, output_tokens
FROM ${MESSAGES} WHERE ${SESSION_ROWS}
ORDER BY message_created_at, message_index, part_index, rowid
LIMIT @limit OFFSET @offset`;

const COUNT = `SELECT count(*) AS n FROM ${MESSAGES} WHERE ${SESSION_ROWS}`;

export function replayPage(
  db: SqlDatabase,
  history: GatewayHistoryApi,
  session: string,
  page: { offset: number; limit: number; textBudget?: number },
): ReplayPage {
  const total = (db.prepare(COUNT).get({ session }) as { n: number }).n;
  const rows = db.prepare(PARTS).all({
    session,
    offset: page.offset,
    limit: page.limit,
    budget: page.textBudget ?? DEFAULT_TEXT_BUDGET,
  }) as Array<Omit<ReplayPart, 'estimated_cost_usd'>>;
  const parts = rows.map((r) => {
    const carrier = r.input_tokens !== null || r.output_tokens !== null || r.cache_read_input_tokens !== null;
    const cost = carrier
      ? history.estimateCost(
          r.model,
          {
            input_tokens: r.input_tokens ?? 0,
            cache_read_input_tokens: r.cache_read_input_tokens ?? 0,
            cache_creation_input_tokens: r.cache_creation_input_tokens ?? 0,
            output_tokens: r.output_tokens ?? 0,
          },
          { date: r.message_created_at?.slice(0, 10) },
        )
      : null;
    return { ...r, estimated_cost_usd: cost };
  });
  return { total, offset: page.offset, parts };
}
