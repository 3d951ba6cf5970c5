/**
 * Indexes of `ai_gateway_messages` that a wider or reordered one replaced. The kernel only creates indexes;
 * the gateway drops the ones it superseded, so the writer does not maintain both.
 */
import type { SqlDatabase } from '@hypaware/core';
import { MESSAGES_DATASET } from '../datasets.js';

const SUPERSEDED = [
  // the usage index before billing and the session/cwd columns joined it (USAGE_INDEX)
  `ix_${MESSAGES_DATASET}_date_provider_model_input_tokens_cache_read_input_tokens_cache_creation_input_tokens_output_tokens_reasoning_tokens`,
  // the sessions index with message_id before message_created_at (datasets.ts says why)
  `ix_${MESSAGES_DATASET}_date_client_name_cwd_session_id_conversation_id_message_id_message_created_at_part_type_tool_name`,
];

/** Drop what is superseded; returns the names dropped. */
export function dropSupersededIndexes(db: SqlDatabase): string[] {
  const dropped: string[] = [];
  for (const name of SUPERSEDED) {
    if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`).get(name)) continue;
    db.exec(`DROP INDEX IF EXISTS "${name}"`);
    dropped.push(name);
  }
  return dropped;
}
