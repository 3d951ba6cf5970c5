/** The `@hypaware/ai-gateway` config slice: validation (dotted paths) and the parsed form. */
import { isPlainObject, type ConfigIssue, type JsonObject, type JsonValue } from '@hypaware/core';
import { DEFAULT_LISTEN, parseListenAddress, type ListenAddress } from './listen-address.js';

export interface ConfigUpstream {
  name: string;
  base_url: string;
  /** absent: "/", or the routing of the preset this entry shadows */
  path_prefix?: string;
  priority?: number;
  provider?: string;
}

export interface GatewayConfig {
  listen: ListenAddress;
  /** false when `listen` was not configured (the default port may fall back to an ephemeral one) */
  listenExplicit: boolean;
  gatewayId: string;
  upstreams: ConfigUpstream[];
  /** lowercased extra header names to redact (the defaults always apply) */
  redactHeaders: string[];
  captureMaxBytes: number;
  /** days raw exchanges are kept; 0 keeps them forever */
  exchangeRetentionDays: number;
  idleTimeoutMs: number;
  /** bytes of exchanges the writer has not taken yet that may wait on disk; 0 keeps them in memory only */
  spillMaxBytes: number;
  /** idle ms before the writer thread is parked (ended until the next exchange); 0 never parks it */
  writerParkAfterMs: number;
}

export const DEFAULT_GATEWAY_ID = 'hypaware-local';
export const DEFAULT_CAPTURE_MAX_BYTES = 8 * 1024 * 1024;
export const DEFAULT_EXCHANGE_RETENTION_DAYS = 14;
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;
export const DEFAULT_SPILL_MAX_BYTES = 2 * 1024 * 1024 * 1024;
export const DEFAULT_WRITER_PARK_AFTER_MS = 30_000;

const SLICE_KEYS = [
  'listen',
  'gateway_id',
  'upstreams',
  'redact_headers',
  'capture_max_bytes',
  'exchange_retention_days',
  'idle_timeout_ms',
  'spill_max_bytes',
  'writer_park_after_ms',
];
const UPSTREAM_KEYS = ['name', 'base_url', 'path_prefix', 'priority', 'provider'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An HTTP header name (RFC 9110 token). */
export function isHeaderName(value: unknown): value is string {
  return typeof value === 'string' && HEADER_NAME.test(value);
}

function nonEmptyString(v: JsonValue | undefined): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

function unknownKeyIssue(path: string, key: string, known: string[]): ConfigIssue {
  const hint = key === 'url' && known.includes('base_url') ? ' (did you mean base_url?)' : '';
  return { path: path ? `${path}.${key}` : key, message: `unknown key${hint} (expected one of: ${known.join(', ')})` };
}

/** Problem with a base_url, or undefined when it is an http(s) URL without query or fragment. */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL (e.g. https://api.example.com)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must use http:// or https://, got ${url.protocol}`;
  if (url.search !== '' || url.hash !== '') return 'must not carry a query string or fragment';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (the client sends its own)';
  return undefined;
}

function checkUpstream(entry: JsonValue, path: string, seen: Set<string>): ConfigIssue[] {
  if (!isPlainObject(entry))
    return [{ path, message: 'must be an object {name, base_url, path_prefix?, priority?, provider?}' }];
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(entry))
    if (!UPSTREAM_KEYS.includes(key)) issues.push(unknownKeyIssue(path, key, UPSTREAM_KEYS));
  if (!nonEmptyString(entry.name)) issues.push({ path: `${path}.name`, message: 'is required (a non-empty string)' });
  else if (seen.has(entry.name))
    issues.push({ path: `${path}.name`, message: `"${entry.name}" is used by an earlier upstream` });
  else seen.add(entry.name);
  if (!nonEmptyString(entry.base_url))
    issues.push({ path: `${path}.base_url`, message: 'is required (e.g. "https://api.example.com")' });
  else {
    const problem = baseUrlProblem(entry.base_url);
    if (problem) issues.push({ path: `${path}.base_url`, message: problem });
  }
  if (
    entry.path_prefix !== undefined &&
    (typeof entry.path_prefix !== 'string' || !entry.path_prefix.startsWith('/'))
  ) {
    issues.push({
      path: `${path}.path_prefix`,
      message: 'must be a path starting with "/" (e.g. "/v1/messages"; "/" matches everything)',
    });
  }
  if (entry.priority !== undefined && (typeof entry.priority !== 'number' || !Number.isFinite(entry.priority))) {
    issues.push({ path: `${path}.priority`, message: 'must be a finite number' });
  }
  if (entry.provider !== undefined && !nonEmptyString(entry.provider))
    issues.push({ path: `${path}.provider`, message: 'must be a non-empty string' });
  return issues;
}

function checkInteger(slice: JsonObject, key: string, min: number, hint: string): ConfigIssue[] {
  const v = slice[key];
  if (v === undefined) return [];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    return [{ path: key, message: `must be an integer >= ${min} (${hint})` }];
  return [];
}

/** Every problem of the slice, with dotted paths; an empty list means valid. */
export function validateConfig(slice: JsonObject): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(slice))
    if (!SLICE_KEYS.includes(key)) issues.push(unknownKeyIssue('', key, SLICE_KEYS));
  if (slice.listen !== undefined) {
    if (typeof slice.listen !== 'string')
      issues.push({ path: 'listen', message: `must be a "host:port" string (default ${DEFAULT_LISTEN})` });
    else {
      const parsed = parseListenAddress(slice.listen);
      if (typeof parsed === 'string') issues.push({ path: 'listen', message: parsed });
    }
  }
  if (slice.gateway_id !== undefined && !nonEmptyString(slice.gateway_id))
    issues.push({ path: 'gateway_id', message: 'must be a non-empty string' });
  if (slice.upstreams !== undefined) {
    if (!Array.isArray(slice.upstreams))
      issues.push({ path: 'upstreams', message: 'must be an array of {name, base_url, ...}' });
    else {
      const seen = new Set<string>();
      slice.upstreams.forEach((entry, i) => issues.push(...checkUpstream(entry, `upstreams[${i}]`, seen)));
    }
  }
  if (slice.redact_headers !== undefined) {
    if (!Array.isArray(slice.redact_headers))
      issues.push({ path: 'redact_headers', message: 'must be an array of header names' });
    else
      slice.redact_headers.forEach((h, i) => {
        if (!isHeaderName(h))
          issues.push({ path: `redact_headers[${i}]`, message: 'must be a header name (e.g. "x-my-token")' });
      });
  }
  issues.push(
    ...checkInteger(slice, 'capture_max_bytes', 0, 'bytes of each body kept for recording; 0 records no body'),
  );
  issues.push(
    ...checkInteger(slice, 'exchange_retention_days', 0, 'days raw exchanges are kept; 0 keeps them forever'),
  );
  issues.push(...checkInteger(slice, 'idle_timeout_ms', 1000, 'ms a connection may stay silent'));
  issues.push(
    ...checkInteger(
      slice,
      'spill_max_bytes',
      0,
      'bytes of not yet written exchanges that may wait on disk; 0 keeps new ones in memory only',
    ),
  );
  issues.push(
    ...checkInteger(
      slice,
      'writer_park_after_ms',
      0,
      'ms without exchanges before the writer thread gives its memory back; 0 keeps it running',
    ),
  );
  return issues;
}

/** Parse a slice; throws an Error naming the first problem (used on reload, where the kernel did not validate). */
export function parseGatewayConfig(slice: JsonObject): GatewayConfig {
  const issues = validateConfig(slice);
  if (issues.length > 0) throw new Error(`ai-gateway config: ${issues[0]!.path}: ${issues[0]!.message}`);
  const listenText = typeof slice.listen === 'string' ? slice.listen : DEFAULT_LISTEN;
  const listen = parseListenAddress(listenText) as ListenAddress;
  const upstreams = ((slice.upstreams as JsonObject[] | undefined) ?? []).map((u): ConfigUpstream => ({
    name: u.name as string,
    base_url: u.base_url as string,
    ...(typeof u.path_prefix === 'string' ? { path_prefix: u.path_prefix } : {}),
    ...(typeof u.priority === 'number' ? { priority: u.priority } : {}),
    ...(typeof u.provider === 'string' ? { provider: u.provider } : {}),
  }));
  return {
    listen,
    listenExplicit: typeof slice.listen === 'string',
    gatewayId: typeof slice.gateway_id === 'string' ? slice.gateway_id : DEFAULT_GATEWAY_ID,
    upstreams,
    redactHeaders: ((slice.redact_headers as string[] | undefined) ?? []).map((h) => h.toLowerCase()),
    captureMaxBytes: typeof slice.capture_max_bytes === 'number' ? slice.capture_max_bytes : DEFAULT_CAPTURE_MAX_BYTES,
    exchangeRetentionDays:
      typeof slice.exchange_retention_days === 'number'
        ? slice.exchange_retention_days
        : DEFAULT_EXCHANGE_RETENTION_DAYS,
    idleTimeoutMs: typeof slice.idle_timeout_ms === 'number' ? slice.idle_timeout_ms : DEFAULT_IDLE_TIMEOUT_MS,
    spillMaxBytes: typeof slice.spill_max_bytes === 'number' ? slice.spill_max_bytes : DEFAULT_SPILL_MAX_BYTES,
    writerParkAfterMs:
      typeof slice.writer_park_after_ms === 'number' ? slice.writer_park_after_ms : DEFAULT_WRITER_PARK_AFTER_MS,
  };
}
