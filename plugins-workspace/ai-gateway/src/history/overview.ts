/**
 * `hyp query overview` and `openHistory().overview()`: tokens, cost (from the `ai_responses`
 * view, so the same numbers as `hyp query sql`), sessions, repos and tools of
 * `ai_gateway_messages` over a window of UTC days.
 */
import { HypError, UsageError, type SqlDatabase } from '@hypaware/core';
import { MESSAGES_DATASET } from '../datasets.js';
import { PRICES_DATASET } from './model-prices-table.js';
import type { PriceBook } from './prices.js';

export interface TokenCounts {
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  output_tokens: number;
}

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
  /** null when a response of this model has no price (tokens only, never a guess) */
  estimated_cost_usd: number | null;
  /** the price entry used (genai-prices' model id or the config key), null when unknown */
  price_key: string | null;
  /** `table`: the shipped genai-prices data; `config`: an override */
  price_source: 'table' | 'config' | null;
  /** the part of the cost on a subscription (equivalent API cost, not money spent) */
  subscription_cost_usd: number;
}

/** Tokens of several models: the cost covers the priced ones; `unpriced_responses` says what it leaves out. */
export interface MixedUsage extends TokenTotals {
  estimated_cost_usd: number;
  unpriced_responses: number;
  /** the part of `estimated_cost_usd` on a subscription (equivalent API cost, not money spent) */
  subscription_cost_usd: number;
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
  /** cost of the repo's responses in the window (priced ones; see unpriced_responses) */
  estimated_cost_usd: number;
  unpriced_responses: number;
  subscription_cost_usd: number;
}

/** One session's usage in the window (the costliest first). */
export interface SessionCost extends MixedUsage {
  session_id: string;
  client: string | null;
  cwd: string | null;
  /** api, subscription, mixed, or null when unknown */
  billing: string | null;
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
  /** the costliest sessions of the window (at most 20) */
  by_session: SessionCost[];
  tools: ToolUse[];
  prices: { as_of: string; sources: string[]; config_overrides: string[] };
}

/**
 * The overview's queries. Each reads only rows of the window through the `date` index; the
 * usage query reads only carrier rows (usage sits on one row per model response).
 * Every token term is COALESCEd: providers leave different fields NULL.
 */
export const OVERVIEW_QUERIES = {
  usage: `SELECT date, provider, model, billing, session_id, cwd,
  count(*) AS responses,
  SUM(input_tokens) AS input_tokens,
  SUM(cache_read_input_tokens) AS cache_read_input_tokens,
  SUM(cache_creation_input_tokens) AS cache_creation_input_tokens,
  SUM(output_tokens) AS output_tokens,
  SUM(reasoning_tokens) AS reasoning_tokens,
  SUM(cost_usd) AS cost_usd,
  count(CASE WHEN cost_usd IS NULL THEN 1 END) AS unpriced_responses
FROM ai_responses
WHERE date BETWEEN @since AND @until
GROUP BY date, provider, model, billing, session_id, cwd
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
  prices: `SELECT provider, model, max(source) AS source, max(price_model) AS price_model
FROM ${PRICES_DATASET}
GROUP BY provider, model`,
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

const emptyMixed = (): MixedUsage => ({
  ...emptyTokens(),
  estimated_cost_usd: 0,
  unpriced_responses: 0,
  subscription_cost_usd: 0,
});

interface UsageRow extends TokenTotals {
  date: string;
  provider: string;
  model: string | null;
  billing: string | null;
  session_id: string;
  cwd: string | null;
  cost_usd: number | null;
  unpriced_responses: number;
}

function addTokens(into: TokenTotals, row: TokenTotals): void {
  into.responses += row.responses;
  into.input_tokens += row.input_tokens;
  into.cache_read_input_tokens += row.cache_read_input_tokens;
  into.cache_creation_input_tokens += row.cache_creation_input_tokens;
  into.output_tokens += row.output_tokens;
  into.reasoning_tokens += row.reasoning_tokens;
}

/** Tokens and the priced part of the cost; `unpriced_responses` counts what the cost leaves out. */
function addMixed(into: MixedUsage, row: UsageRow): void {
  addTokens(into, row);
  into.estimated_cost_usd += row.cost_usd ?? 0;
  into.unpriced_responses += row.unpriced_responses;
  if (row.billing === 'subscription') into.subscription_cost_usd += row.cost_usd ?? 0;
}

function requireMessagesTable(db: SqlDatabase): void {
  const found = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(MESSAGES_DATASET);
  if (!found) {
    throw new HypError(
      `no ${MESSAGES_DATASET} table in this database: is the @hypaware/ai-gateway plugin enabled? (hyp status)`,
      { kind: 'dataset_missing' },
    );
  }
}

function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = create()));
  return v;
}

/**
 * Compute the overview of `ai_gateway_messages` for a window of UTC days. Costs are the
 * `cost_usd` of the `ai_responses` view (priced by `ai_model_prices`, which the daemon and
 * `hyp query overview` keep current); `prices` names the price data and overrides in use.
 */
export function buildOverview(db: SqlDatabase, prices: PriceBook, options: OverviewOptions = {}): Overview {
  requireMessagesTable(db);
  const { days, since, until } = overviewWindow(options);
  const params = { since, until };
  const all = <T>(name: OverviewQueryName): T[] =>
    db.prepare(OVERVIEW_QUERIES[name]).all(name === 'extent' || name === 'prices' ? {} : params) as T[];

  const priceOf = new Map(
    all<{ provider: string; model: string; source: string | null; price_model: string | null }>('prices').map((p) => [
      `${p.provider}\u0000${p.model}`,
      p,
    ]),
  );
  const byModel = new Map<string, ModelUsage>();
  const byDay = new Map<string, DayUsage>();
  const byRepoCost = new Map<string | null, MixedUsage>();
  const bySession = new Map<string, MixedUsage & { cwd: string | null; billings: Set<string> }>();
  const totals = emptyMixed();
  const unpriced = new Set<string>();
  for (const row of all<UsageRow>('usage')) {
    if (row.unpriced_responses > 0) unpriced.add(row.model ?? '(no model)');
    const key = `${row.provider}\u0000${row.model ?? ''}`;
    const model = entry(byModel, key, () => {
      const price = priceOf.get(key);
      const source = price?.source === 'config' ? 'config' : price?.source ? 'table' : null;
      return {
        provider: row.provider,
        model: row.model,
        ...emptyTokens(),
        estimated_cost_usd: 0,
        price_key: source ? (price?.price_model ?? null) : null,
        price_source: source,
        subscription_cost_usd: 0,
      } as ModelUsage;
    });
    addTokens(model, row);
    model.estimated_cost_usd =
      model.estimated_cost_usd === null || row.unpriced_responses > 0
        ? null
        : model.estimated_cost_usd + (row.cost_usd ?? 0);
    if (row.billing === 'subscription') model.subscription_cost_usd += row.cost_usd ?? 0;
    addMixed(
      entry(byDay, row.date, () => ({ date: row.date, ...emptyMixed() })),
      row,
    );
    addMixed(
      entry(byRepoCost, row.cwd, () => emptyMixed()),
      row,
    );
    const session = entry(bySession, row.session_id, () => ({ ...emptyMixed(), cwd: row.cwd, billings: new Set() }));
    addMixed(session, row);
    if (row.billing) session.billings.add(row.billing);
    addMixed(totals, row);
  }

  const sessionRows = all<SessionRow>('sessions');
  const activity = summarizeSessions(sessionRows, byRepoCost);
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
    by_session: costliestSessions(bySession, sessionRows),
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

function costliestSessions(
  bySession: Map<string, MixedUsage & { cwd: string | null; billings: Set<string> }>,
  rows: SessionRow[],
): SessionCost[] {
  const about = new Map<string, { client: string; last: string }>();
  for (const r of rows) {
    const known = about.get(r.session_id);
    if (!known || r.last_message_at > known.last)
      about.set(r.session_id, { client: r.client, last: r.last_message_at });
  }
  return [...bySession.entries()]
    .map(([id, s]): SessionCost => {
      const { billings, cwd, ...usage } = s;
      return {
        session_id: id,
        client: about.get(id)?.client ?? null,
        cwd,
        billing: billings.size === 0 ? null : billings.size === 1 ? [...billings][0]! : 'mixed',
        last_message_at: about.get(id)?.last ?? null,
        ...usage,
      };
    })
    .sort((a, b) => b.estimated_cost_usd - a.estimated_cost_usd || b.responses - a.responses)
    .slice(0, TOP_N);
}

/**
 * Clients, repos and totals from one row per (client, cwd, session). A message's parts share
 * one session and cwd, so summing messages over the rows counts each message once.
 */
function summarizeSessions(rows: SessionRow[], repoCost: Map<string | null, MixedUsage>) {
  const clients = new Map<string, ClientActivity & { ids: Set<string> }>();
  const repos = new Map<
    string | null,
    Omit<RepoActivity, 'estimated_cost_usd' | 'unpriced_responses' | 'subscription_cost_usd'> & { ids: Set<string> }
  >();
  const all = new Set<string>();
  let messages = 0;
  let first: string | null = null;
  let last: string | null = null;
  for (const r of rows) {
    all.add(r.session_id);
    messages += r.messages;
    if (first === null || r.first_message_at < first) first = r.first_message_at;
    if (last === null || r.last_message_at > last) last = r.last_message_at;
    const c = entry(clients, r.client, () => ({
      client: r.client,
      sessions: 0,
      messages: 0,
      first_message_at: r.first_message_at,
      last_message_at: r.last_message_at,
      ids: new Set<string>(),
    }));
    c.ids.add(r.session_id);
    c.messages += r.messages;
    if (r.first_message_at < c.first_message_at!) c.first_message_at = r.first_message_at;
    if (r.last_message_at > c.last_message_at!) c.last_message_at = r.last_message_at;
    const p = entry(repos, r.cwd, () => ({
      cwd: r.cwd,
      sessions: 0,
      messages: 0,
      last_message_at: r.last_message_at,
      ids: new Set<string>(),
    }));
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
      .map((r): RepoActivity => {
        const cost = repoCost.get(r.cwd);
        return {
          ...finish(r),
          estimated_cost_usd: cost?.estimated_cost_usd ?? 0,
          unpriced_responses: cost?.unpriced_responses ?? 0,
          subscription_cost_usd: cost?.subscription_cost_usd ?? 0,
        };
      })
      .sort((a, b) => b.sessions - a.sessions || b.messages - a.messages || String(a.cwd).localeCompare(String(b.cwd)))
      .slice(0, TOP_N),
  };
}
