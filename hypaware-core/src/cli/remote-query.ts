import type { RemoteQueryProvider } from '../plugin-api.js';
import { HypError, errorMessage } from '../errors.js';
import { writeRows, type RowFormat } from './format-rows.js';

/**
 * `hyp query sql --remote`: the statement goes to the remote query provider a plugin registered
 * (it enforces read-only); the rows come back in the formats of a local query.
 */
export async function runRemoteQuery(
  provider: RemoteQueryProvider | undefined,
  sql: string,
  format: RowFormat,
  out: NodeJS.WritableStream,
): Promise<number> {
  if (!provider)
    throw new HypError(
      'hyp query sql --remote: no remote database is configured (enable and configure a plugin that provides one; see hyp status)',
      { kind: 'remote_unconfigured' },
    );
  if (sql.trim() === '') throw new HypError('SQL error: empty statement', { kind: 'sql_error' });
  let result: Awaited<ReturnType<RemoteQueryProvider['query']>>;
  try {
    result = await provider.query(sql);
  } catch (err) {
    if (err instanceof HypError) throw err;
    throw new HypError(`remote query on ${provider.describe()} failed: ${errorMessage(err).split('\n')[0]}`, {
      kind: 'remote_failed',
    });
  }
  return writeRows(out, result.columns, result.rows, format);
}
