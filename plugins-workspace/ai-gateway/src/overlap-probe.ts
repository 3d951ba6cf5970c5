/**
 * Overlap detection at start: well-known request shapes of the clients HypAware serves are
 * run through the routing table and the projector list; every pair that takes the same
 * request with nothing but registration order deciding between them is reported.
 */
import type { ExchangeInput, UpstreamRoute } from './api-types.js';
import type { ProjectorEntry } from './gateway-state.js';
import { upstreamMatches, type RoutingTable } from './proxy/routing.js';

export interface Overlap {
  /** the one that wins (registered first) */
  winner: string;
  other: string;
  priority: number;
  /** a request both take, e.g. `POST /v1/messages [anthropic-version, x-api-key]` */
  example: string;
}

interface Probe {
  path: string;
  headers: Record<string, string[]>;
}

const PATHS = [
  '/v1/messages', '/v1/messages/count_tokens', '/v1/complete', '/v1/chat/completions', '/v1/responses',
  '/v1/completions', '/v1/embeddings', '/v1/models', '/backend-api/codex/responses', '/responses', '/chat/completions',
];

const HEADER_SETS: Array<Record<string, string[]>> = [
  {},
  { 'anthropic-version': ['2023-06-01'], 'x-api-key': ['sk-ant-api03-…'] },
  { authorization: ['Bearer sk-ant-oat01-…'], 'anthropic-version': ['2023-06-01'], 'anthropic-beta': ['oauth-2025-04-20'], 'x-app': ['cli'], 'user-agent': ['claude-cli/2.0.0 (external, cli)'] },
  { authorization: ['Bearer sk-proj-…'], 'user-agent': ['codex_cli_rs/0.50.0'], originator: ['codex_cli_rs'] },
  { authorization: ['Bearer eyJ…'], 'chatgpt-account-id': ['…'], originator: ['codex_cli_rs'], 'openai-beta': ['responses=experimental'] },
];

const PROBES: Probe[] = PATHS.flatMap((path) => HEADER_SETS.map((headers) => ({ path, headers })));

function describe(probe: Probe): string {
  const names = Object.keys(probe.headers);
  return `POST ${probe.path}${names.length > 0 ? ` [${names.join(', ')}]` : ''}`;
}

/** Collect unordered pairs among `matches` (already in precedence order) that tie on `key`. */
function tiedPairs<T>(matches: T[], key: (t: T) => string, name: (t: T) => string, priority: (t: T) => number, probe: Probe, into: Map<string, Overlap>): void {
  for (let i = 0; i < matches.length; i++) {
    for (let j = i + 1; j < matches.length; j++) {
      const a = matches[i]!;
      const b = matches[j]!;
      if (key(a) !== key(b)) continue;
      const id = [name(a), name(b)].sort().join('\u0000');
      if (!into.has(id)) into.set(id, { winner: name(a), other: name(b), priority: priority(a), example: describe(probe) });
    }
  }
}

export function routeOverlaps(table: RoutingTable): Overlap[] {
  const found = new Map<string, Overlap>();
  for (const probe of PROBES) {
    const route: UpstreamRoute = { method: 'POST', path: probe.path, headers: probe.headers };
    const matches = table.upstreams.filter((u) => upstreamMatches(u, route));
    tiedPairs(matches, (u) => `${u.priority}/${u.prefixRank}`, (u) => u.name, (u) => u.priority, probe, found);
  }
  return [...found.values()];
}

function probeExchange(probe: Probe): ExchangeInput {
  return {
    exchange_id: 'probe', ts_start: new Date(0).toISOString(), ts_end: new Date(0).toISOString(), duration_ms: 0,
    upstream: null, provider: null, method: 'POST', path: probe.path, pathname: probe.path, status_code: 200,
    request_headers: probe.headers, response_headers: { 'content-type': 'application/json' },
    request_body: '{"model":"probe"}', response_body: '{}', request_truncated: false, response_truncated: false,
    is_sse: false, stream_events: [], error: null, aborted: false, metadata: {},
  };
}

/** `ordered`: projectors in dispatch order. */
export function projectorOverlaps(ordered: readonly ProjectorEntry[]): Overlap[] {
  const found = new Map<string, Overlap>();
  for (const probe of PROBES) {
    const input = probeExchange(probe);
    const matches = ordered.filter(({ projector }) => {
      try {
        return projector.match(input) === true;
      } catch {
        return false;
      }
    });
    tiedPairs(matches, (p) => String(p.priority), (p) => p.projector.name, (p) => p.priority, probe, found);
  }
  return [...found.values()];
}
