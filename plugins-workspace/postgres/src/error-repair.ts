/**
 * A shipping or query failure as one line and a repair: what the user does about a wrong
 * password, a missing permission, a server that is down. Never carries the password (the
 * driver's messages do not, and the config holds none).
 */
import type { PostgresConfig } from './config.js';
import { SchemaError } from './pg-schema.js';

export interface ExplainedError {
  message: string;
  code?: string;
  repair: string;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function explainError(err: unknown, config: PostgresConfig): ExplainedError {
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.split('\n')[0]!;
  const code = codeOf(err);
  const where = `${config.host}:${config.port}`;
  const reachable = `pg_isready -h ${config.host} -p ${config.port}`;
  const passwordSources = config.passwordFile
    ? `the password in ${config.passwordFile}`
    : 'the password (PGPASSWORD in the daemon environment, or ~/.pgpass)';
  const withCode = (repair: string): ExplainedError => ({ message, ...(code ? { code } : {}), repair });
  if (err instanceof SchemaError) return withCode(err.repair);
  if (code === '28P01' || /password authentication failed|password must be/.test(raw) || /password_file/.test(raw))
    return withCode(`fix ${passwordSources}, then send SIGHUP to the daemon (or hyp daemon restart)`);
  if (code === '28000')
    return withCode(
      `allow ${config.user} to connect (pg_hba.conf on ${where}), then send SIGHUP to the daemon (or hyp daemon restart)`,
    );
  if (code === '3D000') return withCode(`createdb -h ${config.host} -p ${config.port} ${config.database}`);
  if (code === '42501')
    return withCode(
      `as an administrator: GRANT USAGE, CREATE ON SCHEMA ${config.schema} TO ${config.user}; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${config.schema} TO ${config.user}`,
    );
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT')
    return withCode(`start PostgreSQL at ${where} or fix plugins.@hypaware/postgres.url; check: ${reachable}`);
  if (code === '57P01' || code === '57P03' || /terminat|Connection terminated|ECONNRESET/.test(raw))
    return withCode(`PostgreSQL at ${where} went away; retrying (check: ${reachable})`);
  if (/self[- ]signed|certificate|SSL|TLS/i.test(raw))
    return withCode(
      'set plugins.@hypaware/postgres.tls (mode require, or verify-full with ca_file) to match the server',
    );
  return withCode(`check ${where} (${reachable}) and the daemon log (hyp status)`);
}
