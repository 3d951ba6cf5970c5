/**
 * A node-postgres client for the configured server. The password is looked up at each
 * connection, so a fixed password file or `~/.pgpass` is used by the next retry: the
 * `password_file`, else `PGPASSWORD`, else node-postgres's own `~/.pgpass` lookup.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { PostgresConfig } from './config.js';

const TIMESTAMPTZ = 1184;
const JSON_OIDS = new Set([114, 3802]);
const INT8 = 20;

/**
 * Cells as a local query prints them: timestamptz as ISO-8601 UTC text (what SQLite stores),
 * JSON as its text, int8 as a number while exact (else a bigint); the rest as node-postgres parses it.
 */
function typeParsers(): pg.CustomTypesConfig {
  const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (v: string) => unknown;
  const getTypeParser = (oid: number, format?: 'text' | 'binary') => {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
    if (oid === TIMESTAMPTZ)
      return (v: string) => {
        const d = parseTimestamp(v);
        return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : v;
      };
    if (JSON_OIDS.has(oid)) return (v: string) => v;
    if (oid === INT8) return (v: string) => (Number.isSafeInteger(Number(v)) ? Number(v) : BigInt(v));
    return pg.types.getTypeParser(oid, 'text');
  };
  return { getTypeParser } as pg.CustomTypesConfig;
}

function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read password_file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new Error(`password_file ${path} is empty`);
  return password;
}

export function clientConfig(config: PostgresConfig, env: NodeJS.ProcessEnv, applicationName: string): pg.ClientConfig {
  const password =
    config.passwordFile !== undefined
      ? { password: () => readPasswordFile(config.passwordFile!) }
      : env.PGPASSWORD
        ? { password: env.PGPASSWORD }
        : {};
  let ssl: pg.ClientConfig['ssl'] = false;
  if (config.tls.mode !== 'disable') {
    const ca = config.tls.caFile ? readFileSync(config.tls.caFile, 'utf8') : undefined;
    ssl = { rejectUnauthorized: config.tls.mode === 'verify-full', ...(ca ? { ca } : {}) };
  }
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    database: config.database,
    ...password,
    ssl,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    types: typeParsers(),
  };
}

/** Connect; a failed connection is closed before the error is thrown. */
export async function connect(
  config: PostgresConfig,
  env: NodeJS.ProcessEnv,
  applicationName: string,
): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(config, env, applicationName));
  // an error on an idle connection (server gone) must not be an uncaught 'error' event
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

/** Quote an SQL identifier for PostgreSQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
