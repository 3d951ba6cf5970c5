/**
 * Overlap detection at start: the requests the presets say their clients send (their
 * `probes`) are run through the routing table and the projector list; every pair that takes
 * the same request with nothing but registration order deciding between them is reported.
 */
import type { ExchangeInput, TrafficProbe, UpstreamPreset, UpstreamRoute } from './api-types.js';
import type { ProjectorEntry } from './gateway-state.js';
import { upstreamMatches, type RoutingTable } from './proxy/routing.js';

export interface Overlap {
  /** the one that wins (registered first) */
  winner: string;
  other: string;
  priority: number;
  /** a request both take, e.g. `POST /v1/chat/completions [authorization]` */
  example: string;
}

/**
 * Every probe path with every probe's headers, and with none: traffic of one client that
 * another adapter's route or projector would also take shows up even when no preset lists
 * that exact combination.
 */
export function probeSet(presets: Iterable<Pick<UpstreamPreset, 'probes'>>): Probe[] {
  const paths = new Set<string>();
  const headerSets = new Map<string, Record<string, string[]>>([['{}', {}]]);
  for (const preset of presets) {
    for (const probe of preset.probes ?? []) {
      paths.add(probe.path);
      const headers = probe.headers ?? {};
      headerSets.set(JSON.stringify(headers), headers);
    }
  }
  return [...paths].flatMap((path) => [...headerSets.values()].map((headers) => ({ path, headers })));
}

type Probe = Required<TrafficProbe>;

function describe(probe: Probe): string {
  const names = Object.keys(probe.headers);
  return `POST ${probe.path}${names.length > 0 ? ` [${names.join(', ')}]` : ''}`;
}

/** Collect unordered pairs among `matches` (already in precedence order) that tie on `key`. */
function tiedPairs<T>(
  matches: T[],
  key: (t: T) => string,
  name: (t: T) => string,
  priority: (t: T) => number,
  probe: Probe,
  into: Map<string, Overlap>,
): void {
  for (let i = 0; i < matches.length; i++) {
    for (let j = i + 1; j < matches.length; j++) {
      const a = matches[i]!;
      const b = matches[j]!;
      if (key(a) !== key(b)) continue;
      const id = [name(a), name(b)].sort().join('\u0000');
      if (!into.has(id))
        into.set(id, { winner: name(a), other: name(b), priority: priority(a), example: describe(probe) });
    }
  }
}

/** `probes`: from `probeSet` */
export function routeOverlaps(table: RoutingTable, probes: readonly Probe[]): Overlap[] {
  const found = new Map<string, Overlap>();
  for (const probe of probes) {
    const route: UpstreamRoute = { method: 'POST', path: probe.path, headers: probe.headers };
    const matches = table.upstreams.filter((u) => upstreamMatches(u, route));
    tiedPairs(
      matches,
      (u) => `${u.priority}/${u.prefixRank}`,
      (u) => u.name,
      (u) => u.priority,
      probe,
      found,
    );
  }
  return [...found.values()];
}

function probeExchange(probe: Probe): ExchangeInput {
  return {
    exchange_id: 'probe',
    ts_start: new Date(0).toISOString(),
    ts_end: new Date(0).toISOString(),
    duration_ms: 0,
    upstream: null,
    provider: null,
    method: 'POST',
    path: probe.path,
    pathname: probe.path,
    status_code: 200,
    request_headers: probe.headers,
    response_headers: { 'content-type': 'application/json' },
    request_body: '{"model":"probe"}',
    response_body: '{}',
    request_truncated: false,
    response_truncated: false,
    is_sse: false,
    stream_events: [],
    error: null,
    aborted: false,
    metadata: {},
  };
}

/** `ordered`: projectors in dispatch order; `probes`: from `probeSet`. */
export function projectorOverlaps(ordered: readonly ProjectorEntry[], probes: readonly Probe[]): Overlap[] {
  const found = new Map<string, Overlap>();
  for (const probe of probes) {
    const input = probeExchange(probe);
    const matches = ordered.filter(({ projector }) => {
      try {
        return projector.match(input) === true;
      } catch {
        return false;
      }
    });
    tiedPairs(
      matches,
      (p) => String(p.priority),
      (p) => p.projector.name,
      (p) => p.priority,
      probe,
      found,
    );
  }
  return [...found.values()];
}
