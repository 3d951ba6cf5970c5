/**
 * The `ai_gateway_messages` dataset as the design fixes it (49 v4 columns of reference section 6,
 * then the additive ones), for tests that build a history database before the gateway plugin's
 * own spec is available. `historyDatabase()` prefers the bundled gateway's registered spec.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { bootKernel } from '@hypaware/core/boot';
import type { ColumnSpec, ColumnType, DatasetSpec } from '@hypaware/core';
import { tempDir } from '../../harness/repo.js';

const col = (name: string, type: ColumnType, nullable = true): ColumnSpec => ({ name, type, nullable });

export const MESSAGES_SPEC: DatasetSpec = {
  name: 'ai_gateway_messages',
  description: 'test fixture of the messages dataset',
  primaryTime: 'message_created_at',
  uniqueKey: ['part_id'],
  indexes: [['date'], ['session_id'], ['conversation_id']],
  columns: [
    col('gateway_id', 'string', false),
    col('schema_version', 'int', false),
    col('conversation_id', 'string', false),
    col('user_id', 'string'),
    col('provider', 'string', false),
    col('model', 'string'),
    col('system_text', 'string'),
    col('tools', 'json'),
    col('conversation_started_at', 'timestamp', false),
    col('conversation_source', 'string'),
    col('cwd', 'string'),
    col('git_branch', 'string'),
    col('client_version', 'string'),
    col('entrypoint', 'string'),
    col('user_type', 'string'),
    col('permission_mode', 'string'),
    col('is_sidechain', 'boolean'),
    col('message_id', 'string', false),
    col('previous_message_id', 'json'),
    col('provider_uuid', 'string'),
    col('parent_uuid', 'string'),
    col('logical_parent_uuid', 'string'),
    col('source_tool_assistant_uuid', 'string'),
    col('request_id', 'string'),
    col('prompt_id', 'string'),
    col('message_index', 'int', false),
    col('message_created_at', 'timestamp', false),
    col('role', 'string', false),
    col('part_id', 'string', false),
    col('part_index', 'int', false),
    col('part_type', 'string', false),
    col('provider_type', 'string'),
    col('provider_subtype', 'string'),
    col('content_text', 'string'),
    col('tool_name', 'string'),
    col('tool_call_id', 'string'),
    col('tool_args', 'json'),
    col('caller_type', 'string'),
    col('tool_result_for', 'string'),
    col('thinking_signature', 'string'),
    col('attachment_type', 'string'),
    col('hook_event', 'string'),
    col('is_error', 'boolean'),
    col('is_compact_summary', 'boolean'),
    col('compact_metadata', 'json'),
    col('status', 'json'),
    col('attributes', 'json'),
    col('raw_frame', 'json'),
    col('date', 'string', false),
    col('session_id', 'string'),
    col('agent_id', 'string'),
    col('parent_agent_id', 'string'),
    col('client_name', 'string'),
    col('input_tokens', 'int'),
    col('cache_read_input_tokens', 'int'),
    col('cache_creation_input_tokens', 'int'),
    col('output_tokens', 'int'),
    col('reasoning_tokens', 'int'),
  ],
};

export interface HistoryHome {
  hypHome: string;
  databasePath: string;
  /** read-write connection with the tables (and views) the kernel made */
  db: Database.Database;
}

/**
 * A fresh HYP_HOME whose database has the messages table: from the bundled gateway's dataset
 * spec when that plugin activates, else from MESSAGES_SPEC through the kernel's own migration code
 * (plus `extraSpecs`, recorded in the database like any dataset).
 */
export async function historyHome(extraSpecs: DatasetSpec[] = []): Promise<HistoryHome> {
  const hypHome = tempDir('hyp-history-');
  const kernel = await bootKernel({ mode: 'cli', hypHome, env: { ...process.env, HYP_HOME: hypHome } });
  try {
    for (const spec of [MESSAGES_SPEC, ...extraSpecs]) {
      if (!kernel.datasets.has(spec.name)) kernel.datasets.set(spec.name, { spec, plugin: 'test-fixture' });
    }
    kernel.database();
  } finally {
    await kernel.shutdown();
  }
  const databasePath = join(hypHome, 'hypaware', 'hypaware.db');
  return { hypHome, databasePath, db: new Database(databasePath) };
}
