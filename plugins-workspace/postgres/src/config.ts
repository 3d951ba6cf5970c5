/**
 * The `@hypaware/postgres` config slice. Nothing ships until `url` is set. The password is never
 * in the file: `password_file`, else `PGPASSWORD`, else `~/.pgpass` (node-postgres reads it).
 *
 *   { "url": "postgres://user@host:5432/db", "schema": "public",
 *     "tls": { "mode": "verify-full", "ca_file": "/etc/ssl/team-ca.pem" },
 *     "password_file": "~/.config/hyp/pg-password", "include_bodies": false }
 */
import { isPlainObject, type ConfigIssue, type JsonObject } from '@hypaware/core';

export type TlsMode = 'disable' | 'require' | 'verify-full';

export interface PostgresConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  schema: string;
  tls: { mode: TlsMode; caFile?: string };
  passwordFile?: string;
  includeBodies: boolean;
  /** rows per INSERT at most */
  batchRows: number;
  /** how often an idle shipper looks for new rows */
  pollMs: number;
  /** the longest wait between retries after a failure */
  maxBackoffMs: number;
  /** rows the gateway still updates (exchanges) ship once this much older than their end */
  settleMs: number;
}

const SLICE_KEYS = [
  'url',
  'schema',
  'tls',
  'password_file',
  'include_bodies',
  'batch_rows',
  'poll_ms',
  'max_backoff_ms',
  'settle_ms',
] as const;
const IDENT = /^[a-z_][a-z0-9_]*$/;
const TLS_MODES: TlsMode[] = ['disable', 'require', 'verify-full'];

export const DEFAULT_BATCH_ROWS = 1000;
export const DEFAULT_POLL_MS = 1000;
export const DEFAULT_MAX_BACKOFF_MS = 30_000;
export const DEFAULT_SETTLE_MS = 60_000;

function parseUrl(url: string): { issue?: string; parsed?: URL } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { issue: 'must be a URL like postgres://user@host:5432/database' };
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    return { issue: 'must start with postgres:// (or postgresql://)' };
  if (parsed.password !== '')
    return {
      issue: 'must not carry the password: put it in PGPASSWORD, ~/.pgpass or a file named by password_file',
    };
  if (parsed.username === '') return { issue: 'must name the user (postgres://user@host:5432/database)' };
  if (parsed.hostname === '') return { issue: 'must name the host' };
  if (parsed.pathname.replace(/^\//, '') === '') return { issue: 'must name the database (…:5432/database)' };
  return { parsed };
}

function wholeNumber(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Problems in the slice (dotted paths inside it); empty when valid. */
export function validateConfig(slice: JsonObject): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(slice))
    if (!(SLICE_KEYS as readonly string[]).includes(key))
      issues.push({ path: key, message: `unknown key (expected one of: ${SLICE_KEYS.join(', ')})` });
  if (slice.url !== undefined) {
    if (typeof slice.url !== 'string') issues.push({ path: 'url', message: 'must be a string' });
    else {
      const { issue } = parseUrl(slice.url);
      if (issue) issues.push({ path: 'url', message: issue });
    }
  }
  if (slice.schema !== undefined && (typeof slice.schema !== 'string' || !IDENT.test(slice.schema)))
    issues.push({ path: 'schema', message: 'must be a lower-case SQL identifier, e.g. public or hypaware' });
  if (slice.tls !== undefined) {
    if (!isPlainObject(slice.tls)) issues.push({ path: 'tls', message: 'must be an object like {"mode": "require"}' });
    else {
      for (const key of Object.keys(slice.tls))
        if (key !== 'mode' && key !== 'ca_file')
          issues.push({ path: `tls.${key}`, message: 'unknown key (expected mode, ca_file)' });
      if (slice.tls.mode !== undefined && !TLS_MODES.includes(slice.tls.mode as TlsMode))
        issues.push({ path: 'tls.mode', message: `must be one of ${TLS_MODES.join(', ')}` });
      if (slice.tls.ca_file !== undefined && (typeof slice.tls.ca_file !== 'string' || slice.tls.ca_file === ''))
        issues.push({ path: 'tls.ca_file', message: 'must be the path of a PEM file' });
    }
  }
  if (slice.password_file !== undefined && (typeof slice.password_file !== 'string' || slice.password_file === ''))
    issues.push({ path: 'password_file', message: 'must be the path of a file holding the password' });
  if (slice.include_bodies !== undefined && typeof slice.include_bodies !== 'boolean')
    issues.push({ path: 'include_bodies', message: 'must be true or false' });
  if (slice.batch_rows !== undefined && !wholeNumber(slice.batch_rows, 1, 10_000))
    issues.push({ path: 'batch_rows', message: 'must be a whole number from 1 to 10000' });
  if (slice.poll_ms !== undefined && !wholeNumber(slice.poll_ms, 10, 3_600_000))
    issues.push({ path: 'poll_ms', message: 'must be a whole number of milliseconds from 10' });
  if (slice.max_backoff_ms !== undefined && !wholeNumber(slice.max_backoff_ms, 10, 3_600_000))
    issues.push({ path: 'max_backoff_ms', message: 'must be a whole number of milliseconds from 10' });
  if (slice.settle_ms !== undefined && !wholeNumber(slice.settle_ms, 0, 86_400_000))
    issues.push({ path: 'settle_ms', message: 'must be a whole number of milliseconds (0 ships at once)' });
  return issues;
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path.startsWith('~/') && env.HOME ? `${env.HOME}${path.slice(1)}` : path;
}

/** The parsed slice, or undefined when no `url` is configured (the plugin then ships nothing). */
export function parseConfig(slice: JsonObject, env: NodeJS.ProcessEnv): PostgresConfig | undefined {
  if (typeof slice.url !== 'string') return undefined;
  const { parsed } = parseUrl(slice.url);
  if (!parsed) return undefined;
  const tls = isPlainObject(slice.tls) ? slice.tls : {};
  const sslmode = parsed.searchParams.get('sslmode');
  const mode: TlsMode =
    typeof tls.mode === 'string'
      ? (tls.mode as TlsMode)
      : sslmode === 'require'
        ? 'require'
        : sslmode === 'verify-full' || sslmode === 'verify-ca'
          ? 'verify-full'
          : 'disable';
  return {
    host: decodeURIComponent(parsed.hostname).replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    user: decodeURIComponent(parsed.username),
    schema: typeof slice.schema === 'string' ? slice.schema : 'public',
    tls: { mode, ...(typeof tls.ca_file === 'string' ? { caFile: expandHome(tls.ca_file, env) } : {}) },
    ...(typeof slice.password_file === 'string' ? { passwordFile: expandHome(slice.password_file, env) } : {}),
    includeBodies: slice.include_bodies === true,
    batchRows: typeof slice.batch_rows === 'number' ? slice.batch_rows : DEFAULT_BATCH_ROWS,
    pollMs: typeof slice.poll_ms === 'number' ? slice.poll_ms : DEFAULT_POLL_MS,
    maxBackoffMs: typeof slice.max_backoff_ms === 'number' ? slice.max_backoff_ms : DEFAULT_MAX_BACKOFF_MS,
    settleMs: typeof slice.settle_ms === 'number' ? slice.settle_ms : DEFAULT_SETTLE_MS,
  };
}

/** `host:port/database as user`: what messages say about the target (never a password). */
export function describeTarget(config: PostgresConfig): string {
  return `PostgreSQL ${config.user}@${config.host}:${config.port}/${config.database}`;
}
