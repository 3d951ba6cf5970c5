/**
 * The routing table: config upstreams plus presets (config wins a name clash), ordered by
 * priority desc, then prefix rank desc, then registration order. First match wins; a
 * throwing or non-`true` match() is a non-match and the walk goes on.
 */
import type { ErrorShape, UpstreamRoute } from '../api-types.js';
import type { ConfigUpstream } from '../config.js';
import type { PresetEntry } from '../gateway-state.js';

export interface CompiledUpstream {
  name: string;
  provider: string | undefined;
  /** `https://host:port` */
  origin: string;
  /** `host[:port]` for the Host header */
  host: string;
  /** base_url path without trailing slash ('' for none): kept in front of the client's path */
  basePath: string;
  prefix: string | undefined;
  priority: number;
  /** -1 without prefix, 0 for "/", else the prefix length */
  prefixRank: number;
  seq: number;
  source: 'config' | 'preset' | 'chain';
  match: ((route: UpstreamRoute) => boolean) | undefined;
  /** the protocol's error shape (a preset's, also for a config upstream that shadows it) */
  errorShape: ErrorShape | undefined;
}

export interface RoutingTable {
  upstreams: CompiledUpstream[];
  /** preset names hidden by a config upstream of the same name */
  shadowedPresets: string[];
  /** true when some upstream has match(), so the route needs headers */
  needsHeaders: boolean;
  /** error shapes that can recognize a request, in routing order */
  errorShapes: ErrorShape[];
}

function prefixRank(prefix: string | undefined): number {
  if (prefix === undefined) return -1;
  return prefix === '/' ? 0 : prefix.length;
}

export interface UpstreamEntry {
  name: string;
  base_url: string;
  provider?: string;
  path_prefix?: string;
  priority?: number;
  match?: (r: UpstreamRoute) => boolean;
  error_shape?: ErrorShape;
}

export function compileUpstream(
  entry: UpstreamEntry,
  seq: number,
  source: CompiledUpstream['source'],
): CompiledUpstream {
  const url = new URL(entry.base_url);
  const prefix = entry.path_prefix ? entry.path_prefix : undefined;
  return {
    name: entry.name,
    provider: entry.provider,
    origin: url.origin,
    host: url.host,
    basePath: url.pathname.replace(/\/+$/, ''),
    prefix,
    priority: entry.priority ?? 0,
    prefixRank: prefixRank(prefix),
    seq,
    source,
    match: typeof entry.match === 'function' ? entry.match : undefined,
    errorShape: entry.error_shape,
  };
}

/**
 * A config upstream that shadows a preset (same name) sends that preset's traffic elsewhere:
 * it keeps the preset's match(), provider, priority and path_prefix unless it sets its own
 * (so a config upstream named like a preset, with only a base_url, takes exactly the
 * preset's traffic), and always its error shape. Without a preset, the path prefix defaults
 * to "/" (everything).
 */
function withPresetRouting(u: ConfigUpstream, preset: PresetEntry['preset'] | undefined): UpstreamEntry {
  if (!preset) return { ...u, path_prefix: u.path_prefix ?? '/' };
  const ownsRouting = u.path_prefix !== undefined;
  return {
    ...u,
    path_prefix: u.path_prefix ?? preset.path_prefix ?? '/',
    ...(u.priority === undefined && preset.priority !== undefined ? { priority: preset.priority } : {}),
    ...(u.provider === undefined && preset.provider !== undefined ? { provider: preset.provider } : {}),
    ...(!ownsRouting && preset.match ? { match: preset.match } : {}),
    ...(preset.error_shape ? { error_shape: preset.error_shape } : {}),
  };
}

/** Compare two upstreams in routing order. */
export function routingOrder(a: CompiledUpstream, b: CompiledUpstream): number {
  return b.priority - a.priority || b.prefixRank - a.prefixRank || a.seq - b.seq;
}

/**
 * Build the table. Config upstreams come first in registration order (they were there
 * before any preset), presets follow in their own registration order.
 */
export function compileRoutingTable(configUpstreams: ConfigUpstream[], presets: Iterable<PresetEntry>): RoutingTable {
  const upstreams: CompiledUpstream[] = [];
  const configNames = new Set<string>();
  let seq = 0;
  const presetList = [...presets].sort((a, b) => a.seq - b.seq);
  for (const u of configUpstreams) {
    configNames.add(u.name);
    upstreams.push(
      compileUpstream(withPresetRouting(u, presetList.find((p) => p.preset.name === u.name)?.preset), seq++, 'config'),
    );
  }
  const shadowedPresets: string[] = [];
  for (const { preset } of presetList) {
    if (configNames.has(preset.name)) {
      shadowedPresets.push(preset.name);
      continue;
    }
    upstreams.push(compileUpstream(preset, seq++, 'preset'));
  }
  upstreams.sort(routingOrder);
  const errorShapes = upstreams.flatMap((u) =>
    u.errorShape && typeof u.errorShape.recognizes === 'function' ? [u.errorShape] : [],
  );
  return { upstreams, shadowedPresets, needsHeaders: upstreams.some((u) => u.match !== undefined), errorShapes };
}

function prefixMatches(prefix: string, pathname: string): boolean {
  if (prefix === '/') return true;
  return pathname === prefix || pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** Whether one upstream takes this route (match() when present, else its path prefix). */
export function upstreamMatches(upstream: CompiledUpstream, route: UpstreamRoute): boolean {
  if (upstream.match) {
    try {
      return upstream.match(route) === true;
    } catch {
      return false;
    }
  }
  return upstream.prefix !== undefined && prefixMatches(upstream.prefix, route.path);
}

/** First upstream in routing order that takes the route. */
export function matchUpstream(table: RoutingTable, route: UpstreamRoute): CompiledUpstream | undefined {
  for (const upstream of table.upstreams) if (upstreamMatches(upstream, route)) return upstream;
  return undefined;
}

/** Lowercased header names to arrays of values, from node's flat raw header list. */
export function routeHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    (headers[name] ??= []).push(rawHeaders[i + 1]!);
  }
  return headers;
}
