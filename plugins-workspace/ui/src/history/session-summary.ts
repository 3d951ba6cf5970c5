/**
 * One line per session for the sessions list and the replay header: client, repo, branch,
 * models, first prompt, counts, tokens and cost (priced by the gateway's history API, never here).
 */
import type { SqlDatabase } from '@hypaware/core';
import type { GatewayHistoryApi } from '@hypaware/ai-gateway';
import { MESSAGES, SESSION_ROWS } from './schema.js';

export interface SessionSummary {
  session_id: string;
  client_name: string | null;
  provider: string | null;
  cwd: string | null;
  git_branch: string | null;
  model: string | null;
  models: string[];
  first_message_at: string;
  last_message_at: string;
  first_prompt: string | null;
  messages: number;
  tool_calls: number;
  errors: number;
  subagents: number;
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  output_tokens: number;
  /** null when a model with tokens has no known price */
  estimated_cost_usd: number | null;
}

const PROMPT_CHARS = 240;

const STATS = `SELECT max(client_name) AS client_name, max(provider) AS provider, max(cwd) AS cwd, max(git_branch) AS git_branch,
  min(message_created_at) AS first_message_at, max(message_created_at) AS last_message_at,
  count(DISTINCT message_id) AS messages,
  count(CASE WHEN part_type = 'tool_call' THEN 1 END) AS tool_calls,
  count(CASE WHEN is_error = 1 OR part_type = 'error' THEN 1 END) AS errors,
  count(DISTINCT agent_id) AS subagents
FROM ${MESSAGES} WHERE ${SESSION_ROWS}`;

const USAGE = `SELECT model, count(*) AS responses,
  SUM(COALESCE(input_tokens, 0)) AS input_tokens,
  SUM(COALESCE(cache_read_input_tokens, 0)) AS cache_read_input_tokens,
  SUM(COALESCE(cache_creation_input_tokens, 0)) AS cache_creation_input_tokens,
  SUM(COALESCE(output_tokens, 0)) AS output_tokens
FROM ${MESSAGES} WHERE ${SESSION_ROWS}
  AND (input_tokens IS NOT NULL OR cache_read_input_tokens IS NOT NULL OR cache_creation_input_tokens IS NOT NULL
       OR output_tokens IS NOT NULL)
GROUP BY model ORDER BY responses DESC`;

/** The first thing the user typed: a user text part that is not client-injected context (`<tag>...`). */
const FIRST_PROMPT = `SELECT content_text FROM ${MESSAGES}
WHERE ${SESSION_ROWS} AND role = 'user' AND part_type = 'text' AND content_text IS NOT NULL
  AND ltrim(content_text) NOT LIKE '<%'
ORDER BY message_created_at, message_index, part_index LIMIT 1`;

interface UsageRow {
  model: string | null;
  responses: number;
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  output_tokens: number;
}

export class SessionSummaries {
  readonly #stats;
  readonly #usage;
  readonly #prompt;

  constructor(
    db: SqlDatabase,
    private readonly history: GatewayHistoryApi,
  ) {
    this.#stats = db.prepare(STATS);
    this.#usage = db.prepare(USAGE);
    this.#prompt = db.prepare(FIRST_PROMPT);
  }

  /** The summary of one session, or undefined when it has no rows. */
  get(session: string): SessionSummary | undefined {
    const stats = this.#stats.get({ session }) as Omit<
      SessionSummary,
      'session_id' | 'model' | 'models' | 'first_prompt'
    > & { first_message_at: string | null };
    if (!stats || stats.first_message_at === null) return undefined;
    const usage = this.#usage.all({ session }) as UsageRow[];
    const tokens = { input_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 0 };
    let cost: number | null = 0;
    for (const u of usage) {
      const counts = {
        input_tokens: u.input_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens,
        cache_creation_input_tokens: u.cache_creation_input_tokens,
        output_tokens: u.output_tokens,
      };
      for (const k of Object.keys(tokens) as Array<keyof typeof tokens>) tokens[k] += counts[k];
      const usd = this.history.estimateCost(u.model, counts);
      cost = cost === null || usd === null ? null : cost + usd;
    }
    const prompt = this.#prompt.get({ session }) as { content_text: string } | undefined;
    const models = usage.map((u) => u.model).filter((m): m is string => m !== null);
    return {
      session_id: session,
      ...stats,
      first_message_at: stats.first_message_at,
      model: models[0] ?? null,
      models,
      first_prompt: prompt ? prompt.content_text.slice(0, PROMPT_CHARS) : null,
      ...tokens,
      estimated_cost_usd: cost,
    };
  }
}
