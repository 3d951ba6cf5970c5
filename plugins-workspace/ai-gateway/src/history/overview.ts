/**
 * `hyp query overview` and `openHistory().overview()`: tokens, estimated cost, sessions, repos
 * and tools of `ai_gateway_messages` over a window of UTC days.
 */
import { HypError, UsageError, type SqlDatabase } from '@hypaware/core';
import { MESSAGES_DATASET } from '../datasets.js';
import { estimateCostUsd, type PriceBook, type TokenCounts } from './prices.js';

export const DEFAULT_OVERVIEW_DAYS = 7;
const MAX_OVERVIEW_DAYS = 3660;
const TOP_N = 20;

export interface OverviewOptions {
  /** number of UTC calendar days ending today (default 7) */
  days?: number;
  /** "today" for the window (tests); default the current time */
  now?: Date;
}

export interface OverviewWindow {
  days: number;
  /** first UTC date included, YYYY-MM-DD */
  since: string;
  /** last UTC date included, YYYY-MM-DD */
  until: string;
  timezone: 'UTC';
  /** first and last message time seen inside the window (null when the window is empty) */
  first_message_at: string | null;
  last_message_at: string | null;
  /** dates of the oldest and newest rows in the whole table, so an empty window explains itself */
  data_since: string | null;
  data_until: string | null;
}

export interface TokenTotals extends TokenCounts {
  responses: number;
  reasoning_tokens: number;
}

export interface ModelUsage extends TokenTotals {
  provider: string;
  model: string | null;
  /** null when no price is known for this model (tokens only, never a guess) */
  estimated_cost_usd: number | null;
  /** table key that priced this model, null when unknown */
  price_key: string | null;
  price_source: 'table' | 'config' | null;
}

/** Tokens of several models: the cost covers the priced ones; `unpriced_responses` says what it leaves out. */
export interface MixedUsage extends TokenTotals {
  estimated_cost_usd: number;
  unpriced_responses: number;
}

export interface DayUsage extends MixedUsage {
  date: string;
}

export interface ClientActivity {
  client: string;
  sessions: number;
  messages: number;
  first_message_at: string | null;
  last_message_at: string | null;
}

export interface RepoActivity {
  cwd: string | null;
  sessions: number;
  messages: number;
  last_message_at: string | null;
}

export interface ToolUse {
  tool_name: string | null;
  calls: number;
  sessions: number;
}

export interface Overview {
  dataset: string;
  window: OverviewWindow;
  totals: MixedUsage & { sessions: number; messages: number; unpriced_models: string[] };
  by_model: ModelUsage[];
  by_day: DayUsage[];
  by_client: ClientActivity[];
  by_repo: RepoActivity[];
  tools: ToolUse[];
  prices: { as_of: string; sources: string[]; config_overrides: string[] };
}

/**
 * The overview's queries. Each reads only rows of the window through the `date` index; the
 * usage query reads only carrier rows (usage sits on one row per model response).
 * Every token term is COALESCEd: providers leave different fields NULL.
 */
export const OVERVIEW_QUERIES = {
  usage: `SELECT date, provider, model,
  count(*) AS responses,
  SUM(COALESCE(input_tokens, 0)) AS input_tokens,
  SUM(COALESCE(cache_read_input_tokens, 0)) AS cache_read_input_tokens,
  SUM(COALESCE(cache_creation_input_tokens, 0)) AS cache_creation_input_tokens,
  SUM(COALESCE(output_tokens, 0)) AS output_tokens,
  SUM(COALESCE(reasoning_tokens, 0)) AS reasoning_tokens
FROM ai_gateway_messages
WHERE date BETWEEN @since AND @until
  AND (input_tokens IS NOT NULL OR cache_read_input_tokens IS NOT NULL OR cache_creation_input_tokens IS NOT NULL
       OR output_tokens IS NOT NULL OR reasoning_tokens IS NOT NULL)
GROUP BY date, provider, model
ORDER BY date, provider, model`,
  sessions: `SELECT COALESCE(client_name, 'unknown') AS client, cwd,
  COALESCE(session_id, conversation_id) AS session_id,
  count(DISTINCT message_id) AS messages,
  min(message_created_at) AS first_message_at,
  max(message_created_at) AS last_message_at
FROM ai_gateway_messages
WHERE date BETWEEN @since AND @until
GROUP BY 1, 2, 3`,
  tools: `SELECT tool_name,
  count(*) AS calls,
  count(DISTINCT COALESCE(session_id, conversation_id)) AS sessions
FROM ai_gateway_messages
WHERE date BETWEEN @since AND @until AND part_type = 'tool_call'
GROUP BY tool_name
ORDER BY calls DESC, tool_name
LIMIT ${TOP_N}`,
  extent: `SELECT (SELECT min(date) FROM ai_gateway_messages) AS data_since,
  (SELECT max(date) FROM ai_gateway_messages) AS data_until`,
} as const;

export type OverviewQueryName = keyof typeof OVERVIEW_QUERIES;

function utcDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The UTC calendar days the overview describes: `days` days ending on `now`'s date. */
export function overviewWindow(options: OverviewOptions = {}): { days: number; since: string; until: string } {
  const days = options.days ?? DEFAULT_OVERVIEW_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_OVERVIEW_DAYS) {
    throw new UsageError(`--days must be a whole number from 1 to ${MAX_OVERVIEW_DAYS} (got ${String(days)})`);
  }
  const now = options.now ?? new Date();
  const until = utcDate(now);
  const since = utcDate(new Date(Date.parse(`${until}T00:00:00Z`) - (days - 1) * 86_400_000));
  return { days, since, until };
}

/** The queries with the window's dates written in, ready to paste into `hyp query sql`. */
export function overviewSqlText(options: OverviewOptions = {}): string {
  const { since, until } = overviewWindow(options);
  return (Object.entries(OVERVIEW_QUERIES) as Array<[OverviewQueryName, string]>)
    .map(([name, sql]) => `-- ${name}\n${sql.replaceAll('@since', `'${since}'`).replaceAll('@until', `'${until}'`)};\n`)
    .join('\n');
}

function emptyTokens(): TokenTotals {
  return {
    responses: 0,
    input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
  };
}

function addTokens(into: TokenTotals, row: TokenTotals): void {
  into.responses += row.responses;
  into.input_tokens += row.input_tokens;
  into.cache_read_input_tokens += row.cache_read_input_tokens;
  into.cache_creation_input_tokens += row.cache_creation_input_tokens;
  into.output_tokens += row.output_tokens;
  into.reasoning_tokens += row.reasoning_tokens;
}

function addMixed(into: MixedUsage, row: TokenTotals, cost: number | null): void {
  addTokens(into, row);
  if (cost === null) into.unpriced_responses += row.responses;
  else into.estimated_cost_usd += cost;
}

const emptyMixed = (): MixedUsage => ({ ...emptyTokens(), estimated_cost_usd: 0, unpriced_responses: 0 });

type UsageRow = TokenTotals & { date: string; provider: string; model: string | null };

function requireMessagesTable(db: SqlDatabase): void {
  const found = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(MESSAGES_DATASET);
  if (!found) {
    throw new HypError(
      `no ${MESSAGES_DATASET} table in this database: is the @hypaware/ai-gateway plugin enabled? (hyp status)`,
      { kind: 'dataset_missing' },
    );
  }
}

/** Compute the overview of `ai_gateway_messages` for a window of UTC days. */
export function buildOverview(db: SqlDatabase, prices: PriceBook, options: OverviewOptions = {}): Overview {
  requireMessagesTable(db);
  const { days, since, until } = overviewWindow(options);
  const params = { since, until };
  const all = <T>(name: OverviewQueryName): T[] =>
    db.prepare(OVERVIEW_QUERIES[name]).all(name === 'extent' ? {} : params) as T[];

  const byModel = new Map<string, ModelUsage>();
  const byDay = new Map<string, DayUsage>();
  const totals = emptyMixed();
  const unpriced = new Set<string>();
  for (const row of all<UsageRow>('usage')) {
    const tokens = pickTokens(row);
    const match = prices.lookup(row.model);
    const cost = match ? estimateCostUsd(tokens, match.price) : null;
    if (cost === null) unpriced.add(row.model ?? '(no model)');
    const key = `${row.provider}\u0000${row.model ?? ''}`;
    let model = byModel.get(key);
    if (!model) {
      model = {
        provider: row.provider,
        model: row.model,
        ...emptyTokens(),
        estimated_cost_usd: match ? 0 : null,
        price_key: match?.key ?? null,
        price_source: match?.source ?? null,
      };
      byModel.set(key, model);
    }
    addTokens(model, tokens);
    model.estimated_cost_usd =
      model.estimated_cost_usd === null || cost === null ? null : model.estimated_cost_usd + cost;
    let day = byDay.get(row.date);
    if (!day) {
      day = { date: row.date, ...emptyMixed() };
      byDay.set(row.date, day);
    }
    addMixed(day, tokens, cost);
    addMixed(totals, tokens, cost);
  }

  const activity = summarizeSessions(all<SessionRow>('sessions'));
  const extent = all<{ data_since: string | null; data_until: string | null }>('extent')[0] ?? {
    data_since: null,
    data_until: null,
  };
  return {
    dataset: MESSAGES_DATASET,
    window: {
      days,
      since,
      until,
      timezone: 'UTC',
      first_message_at: activity.first_message_at,
      last_message_at: activity.last_message_at,
      data_since: extent.data_since,
      data_until: extent.data_until,
    },
    totals: {
      ...totals,
      sessions: activity.sessions,
      messages: activity.messages,
      unpriced_models: [...unpriced].sort(),
    },
    by_model: [...byModel.values()].sort(
      (a, b) => b.output_tokens + b.input_tokens - (a.output_tokens + a.input_tokens),
    ),
    by_day: [...byDay.values()],
    by_client: activity.by_client,
    by_repo: activity.by_repo,
    tools: all<ToolUse>('tools'),
    prices: { as_of: prices.asOf, sources: prices.sources, config_overrides: prices.overriddenModels },
  };
}

interface SessionRow {
  client: string;
  cwd: string | null;
  session_id: string;
  messages: number;
  first_message_at: string;
  last_message_at: string;
}

/**
 * Clients, repos and totals from one row per (client, cwd, session). A message's parts share
 * one session and cwd, so summing messages over the rows counts each message once.
 */
function summarizeSessions(rows: SessionRow[]) {
  const clients = new Map<string, ClientActivity & { ids: Set<string> }>();
  const repos = new Map<string | null, RepoActivity & { ids: Set<string> }>();
  const all = new Set<string>();
  let messages = 0;
  let first: string | null = null;
  let last: string | null = null;
  for (const r of rows) {
    all.add(r.session_id);
    messages += r.messages;
    if (first === null || r.first_message_at < first) first = r.first_message_at;
    if (last === null || r.last_message_at > last) last = r.last_message_at;
    let c = clients.get(r.client);
    if (!c)
      clients.set(
        r.client,
        (c = {
          client: r.client,
          sessions: 0,
          messages: 0,
          first_message_at: r.first_message_at,
          last_message_at: r.last_message_at,
          ids: new Set(),
        }),
      );
    c.ids.add(r.session_id);
    c.messages += r.messages;
    if (r.first_message_at < c.first_message_at!) c.first_message_at = r.first_message_at;
    if (r.last_message_at > c.last_message_at!) c.last_message_at = r.last_message_at;
    let p = repos.get(r.cwd);
    if (!p)
      repos.set(
        r.cwd,
        (p = { cwd: r.cwd, sessions: 0, messages: 0, last_message_at: r.last_message_at, ids: new Set() }),
      );
    p.ids.add(r.session_id);
    p.messages += r.messages;
    if (r.last_message_at > p.last_message_at!) p.last_message_at = r.last_message_at;
  }
  const finish = <T extends { sessions: number; ids: Set<string> }>(x: T): Omit<T, 'ids'> => {
    const { ids, ...rest } = x;
    return { ...rest, sessions: ids.size };
  };
  return {
    sessions: all.size,
    messages,
    first_message_at: first,
    last_message_at: last,
    by_client: [...clients.values()]
      .map(finish)
      .sort((a, b) => b.messages - a.messages || a.client.localeCompare(b.client)),
    by_repo: [...repos.values()]
      .map(finish)
      .sort((a, b) => b.sessions - a.sessions || b.messages - a.messages || String(a.cwd).localeCompare(String(b.cwd)))
      .slice(0, TOP_N),
  };
}

function pickTokens(row: UsageRow): TokenTotals {
  return {
    responses: row.responses,
    input_tokens: row.input_tokens,
    cache_read_input_tokens: row.cache_read_input_tokens,
    cache_creation_input_tokens: row.cache_creation_input_tokens,
    output_tokens: row.output_tokens,
    reasoning_tokens: row.reasoning_tokens,
  };
}
