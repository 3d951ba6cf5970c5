/**
 * `hyp query sql --remote`: one statement on the configured PostgreSQL, in a READ ONLY
 * transaction that is rolled back, sent as a prepared statement (so a second statement after a
 * `;` is refused by the server rather than run). Only statements that read are taken.
 */
import { HypError, type RemoteQueryProvider } from '@hypaware/core';
import { describeTarget, type PostgresConfig } from './config.js';
import { connect } from './connection.js';
import { explainError } from './error-repair.js';

const READING_KEYWORDS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'EXPLAIN', 'SHOW']);

/** First keyword of a statement, after comments and whitespace. */
function firstKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)+/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? '').toUpperCase();
}

/** A cell as the kernel's row writer prints it. */
function cell(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

export function remoteQueryProvider(config: () => PostgresConfig, env: NodeJS.ProcessEnv): RemoteQueryProvider {
  return {
    describe: () => describeTarget(config()),
    async query(sql: string) {
      const cfg = config();
      const keyword = firstKeyword(sql);
      if (!READING_KEYWORDS.has(keyword))
        throw new HypError(
          `hyp query sql --remote is read-only: ${keyword || 'this'} statements are refused (use SELECT or WITH)`,
          { kind: 'sql_refused' },
        );
      let client;
      try {
        client = await connect(cfg, env, 'hypaware-query');
      } catch (err) {
        const e = explainError(err, cfg);
        throw new HypError(`cannot reach ${describeTarget(cfg)}: ${e.message} (repair: ${e.repair})`, {
          kind: 'remote_unreachable',
        });
      }
      try {
        await client.query('BEGIN READ ONLY');
        await client.query(`SET LOCAL search_path TO "${cfg.schema.replace(/"/g, '""')}", public`);
        const result = await client.query({ text: sql, name: 'hyp_remote_query', rowMode: 'array' });
        const columns = result.fields.map((f) => f.name);
        const rows = (result.rows as unknown[][]).map((r) => {
          const row: Record<string, unknown> = {};
          columns.forEach((c, i) => (row[c] = cell(r[i])));
          return row;
        });
        return { columns, rows };
      } catch (err) {
        const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
        const code = (err as { code?: string }).code;
        if (code === '25006')
          throw new HypError(`hyp query sql --remote is read-only: ${message}`, { kind: 'sql_refused' });
        throw new HypError(`SQL error (PostgreSQL): ${message}`, { kind: 'sql_error' });
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end().catch(() => undefined);
      }
    },
  };
}
