/** `hyp query overview` as text: the window, then one table per section. */
import { writeRows } from '@hypaware/core';
import type { MixedUsage, Overview, TokenTotals } from './overview.js';

const count = (n: number): string => n.toLocaleString('en-US');

function usd(value: number | null): string {
  if (value === null) return 'unknown';
  return value < 1 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

function mixedCost(t: Pick<MixedUsage, 'estimated_cost_usd' | 'unpriced_responses'>): string {
  return t.unpriced_responses > 0
    ? `${usd(t.estimated_cost_usd)} + ${t.unpriced_responses} unpriced`
    : usd(t.estimated_cost_usd);
}

/** The part of a cost on a subscription, or empty. */
function subscriptionPart(value: number): string {
  return value > 0 ? usd(value) : '';
}

function tokenCells(t: TokenTotals, cost: string): Record<string, string> {
  return {
    responses: count(t.responses),
    input: count(t.input_tokens),
    'cache read': count(t.cache_read_input_tokens),
    'cache write': count(t.cache_creation_input_tokens),
    output: count(t.output_tokens),
    reasoning: count(t.reasoning_tokens),
    'est. cost': cost,
  };
}

const TOKEN_COLUMNS = [
  'responses',
  'input',
  'cache read',
  'cache write',
  'output',
  'reasoning',
  'est. cost',
  'of it subscription',
];

/** The overview as text: the window first, then one table per section. */
export function renderOverview(o: Overview, out: NodeJS.WritableStream): void {
  const w = (s = '') => out.write(s + '\n');
  const win = o.window;
  w(`Overview of ${o.dataset}: ${win.since} .. ${win.until} (${win.days} UTC day${win.days === 1 ? '' : 's'})`);
  if (win.first_message_at === null) {
    w(
      win.data_until === null
        ? '  no messages captured yet: is the daemon running and a client attached? (hyp status)'
        : `  no messages in this window; the data covers ${win.data_since} .. ${win.data_until} (try --days)`,
    );
    return;
  }
  w(
    `  ${count(o.totals.messages)} messages in ${count(o.totals.sessions)} sessions, ${win.first_message_at} .. ${win.last_message_at}`,
  );
  w(
    `  tokens: ${count(o.totals.input_tokens)} input, ${count(o.totals.cache_read_input_tokens)} cache read, ${count(o.totals.cache_creation_input_tokens)} cache write, ${count(o.totals.output_tokens)} output; estimated cost ${usd(o.totals.estimated_cost_usd)}${o.totals.unpriced_responses > 0 ? ` (priced models only; ${o.totals.unpriced_responses} responses unpriced)` : ''}`,
  );

  w('\nTokens by model');
  writeRows(
    out,
    ['provider', 'model', ...TOKEN_COLUMNS],
    o.by_model.map((m) => ({
      provider: m.provider,
      model: m.model ?? '(none)',
      ...tokenCells(m, usd(m.estimated_cost_usd)),
      'of it subscription': subscriptionPart(m.subscription_cost_usd),
    })),
    'table',
  );
  w('\nTokens by day');
  writeRows(
    out,
    ['date', ...TOKEN_COLUMNS],
    o.by_day.map((d) => ({
      date: d.date,
      ...tokenCells(d, mixedCost(d)),
      'of it subscription': subscriptionPart(d.subscription_cost_usd),
    })),
    'table',
  );
  w('\nSessions and messages by client');
  writeRows(
    out,
    ['client', 'sessions', 'messages', 'last message'],
    o.by_client.map((c) => ({
      client: c.client,
      sessions: count(c.sessions),
      messages: count(c.messages),
      'last message': c.last_message_at,
    })),
    'table',
  );
  w('\nRepos (cwd) the sessions ran in');
  writeRows(
    out,
    ['cwd', 'sessions', 'messages', 'est. cost', 'last message'],
    o.by_repo.map((r) => ({
      cwd: r.cwd ?? '(unknown)',
      sessions: count(r.sessions),
      messages: count(r.messages),
      'est. cost': mixedCost(r),
      'last message': r.last_message_at,
    })),
    'table',
  );
  w('\nCostliest sessions');
  writeRows(
    out,
    ['session', 'client', 'cwd', 'responses', 'est. cost', 'billing', 'last message'],
    o.by_session.map((s) => ({
      session: s.session_id,
      client: s.client ?? '',
      cwd: s.cwd ?? '(unknown)',
      responses: count(s.responses),
      'est. cost': mixedCost(s),
      billing: s.billing ?? 'unknown',
      'last message': s.last_message_at,
    })),
    'table',
  );
  w('\nTools called');
  writeRows(
    out,
    ['tool', 'calls', 'sessions'],
    o.tools.map((t) => ({ tool: t.tool_name ?? '(unnamed)', calls: count(t.calls), sessions: count(t.sessions) })),
    'table',
  );

  w(
    `\nPrices: ${o.prices.as_of} (USD per 1M tokens, list prices; cache reads and writes and long-context tiers at their own rates)${o.prices.config_overrides.length > 0 ? `; config overrides for ${o.prices.config_overrides.join(', ')}` : ''}.`,
  );
  if (o.totals.subscription_cost_usd > 0)
    w(
      `${usd(o.totals.subscription_cost_usd)} of the cost ran on a subscription (Claude Pro/Max, ChatGPT): what the API would have charged, not money spent.`,
    );
  if (o.totals.unpriced_models.length > 0) {
    w(
      `No price known for ${o.totals.unpriced_models.join(', ')}: tokens only. Add one under "prices" in the config to estimate it.`,
    );
  }
  w('The queries behind this page: hyp query overview --sql');
}
