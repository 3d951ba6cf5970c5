import type { PostgresConfig } from './config.js';

/** What the cursors belong to: shipping into another database or schema starts from the beginning. */
export function stateTarget(config: PostgresConfig): string {
  return `${config.user}@${config.host}:${config.port}/${config.database}#${config.schema}`;
}
