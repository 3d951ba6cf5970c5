/**
 * The gateway's datasets. `ai_gateway_messages` keeps every v4 column (same names, types and
 * meanings, schema_version 4) and adds session/agent, client and usage columns.
 */
import type { ColumnSpec, ColumnType, DatasetSpec, RetentionSpec } from '@hypaware/core';
import { DEFAULT_EXCHANGE_RETENTION_DAYS } from './config.js';

export const MESSAGES_DATASET = 'ai_gateway_messages';
export const EXCHANGES_DATASET = 'ai_gateway_exchanges';
export const PROVISIONAL_DATASET = 'ai_gateway_provisional';
export const SCHEMA_VERSION = 4;

function col(name: string, type: ColumnType, description: string, nullable = true): ColumnSpec {
  return nullable ? { name, type, description } : { name, type, description, nullable: false };
}

/** The 49 columns of the v4 contract, in order. */
const V4_COLUMNS: ColumnSpec[] = [
  col('gateway_id', 'string', 'config gateway_id (default hypaware-local)', false),
  col('schema_version', 'int', 'contract version of the row (4)', false),
  col('conversation_id', 'string', 'conversation the projector assigned (a client session or thread)', false),
  col('user_id', 'string', 'account / user id'),
  col('provider', 'string', 'provider tag of the adapter (its upstream preset)', false),
  col('model', 'string', 'requested model, else the response model'),
  col('system_text', 'string', 'flattened system prompt'),
  col('tools', 'json', 'raw tool declarations of the request'),
  col('conversation_started_at', 'timestamp', 'earliest time the conversation was seen', false),
  col('conversation_source', 'string', 'where the conversation came from, as the adapter names it (a client, or api)'),
  col('cwd', 'string', 'working directory of the client session'),
  col('git_branch', 'string', 'branch, or short commit when HEAD is detached'),
  col('client_version', 'string', 'client build version'),
  col('entrypoint', 'string', 'client entrypoint / originator'),
  col('user_type', 'string', 'user / thread type, as the client reports it'),
  col('permission_mode', 'string', 'permission or sandbox mode of the client'),
  col('is_sidechain', 'boolean', 'sub-agent / sidechain message'),
  col('message_id', 'string', 'native id (e.g. transcript uuid) or a 16-hex fallback hash', false),
  col('previous_message_id', 'json', 'array with the parent message id; [] marks a root; NULL when unknown'),
  col('provider_uuid', 'string', "native uuid of the message in the client's own history"),
  col('parent_uuid', 'string', 'native parent uuid'),
  col('logical_parent_uuid', 'string', 'native logical parent uuid'),
  col('source_tool_assistant_uuid', 'string', 'native tool-source assistant uuid'),
  col('request_id', 'string', 'provider request id'),
  col('prompt_id', 'string', 'prompt / turn id'),
  col('message_index', 'int', 'index of the message in its projection', false),
  col('message_created_at', 'timestamp', 'message time; defaults to the exchange start', false),
  col('role', 'string', 'user / assistant / tool / system ...', false),
  col('part_id', 'string', 'message_id#part_index (unique: the dedupe key)', false),
  col('part_index', 'int', 'index of the content block in the message', false),
  col(
    'part_type',
    'string',
    'text, reasoning, tool_call, tool_result, image, file, error, or the native type of any other part',
    false,
  ),
  col('provider_type', 'string', "record type in the client's own history"),
  col('provider_subtype', 'string', "the record's subtype, else the provider's name for the part"),
  col('content_text', 'string', 'text of the part (inline base64 replaced by a marker)'),
  col('tool_name', 'string', 'tool name (results: resolved from the call)'),
  col('tool_call_id', 'string', 'tool call id'),
  col('tool_args', 'json', 'tool input'),
  col('caller_type', 'string', 'who issued the part, when the provider says'),
  col('tool_result_for', 'string', 'call id a result answers'),
  col('thinking_signature', 'string', 'signature of a reasoning part'),
  col('attachment_type', 'string', "attachment type of the client's record"),
  col('hook_event', 'string', "hook event of the client's record"),
  col('is_error', 'boolean', 'the part reports a failure'),
  col('is_compact_summary', 'boolean', 'the message summarises a compacted history'),
  col('compact_metadata', 'json', 'metadata of that compaction'),
  col('status', 'json', '{tool_status?, finish_reason?, error_code?, error_message?}'),
  col('attributes', 'json', 'merged attributes: client, adapter tags, gateway provenance'),
  col('raw_frame', 'json', 'adapter raw frame'),
  col('date', 'string', 'UTC YYYY-MM-DD of message_created_at', false),
];

const ADDITIVE_COLUMNS: ColumnSpec[] = [
  col('session_id', 'string', 'client session id'),
  col('agent_id', 'string', 'sub-agent id'),
  col('parent_agent_id', 'string', 'parent agent of a sub-agent'),
  col('agent_type', 'string', 'sub-agent type (Claude Code: general-purpose, Explore, ...)'),
  col('parent_tool_call_id', 'string', "the parent agent's tool call that spawned this sub-agent"),
  col('client_name', 'string', "client that sent the exchange (its adapter's name for it)"),
  col('input_tokens', 'int', 'input tokens net of cache reads/writes (one carrier row per response)'),
  col('cache_read_input_tokens', 'int', 'input tokens read from cache'),
  col('cache_creation_input_tokens', 'int', 'input tokens written to cache'),
  col('output_tokens', 'int', 'output tokens'),
  col('reasoning_tokens', 'int', 'reasoning tokens (part of output where the provider reports it)'),
  col('exchange_id', 'string', 'the ai_gateway_exchanges row the part was first written from'),
  col(
    'billing',
    'string',
    'how the response was paid: api (per token) or subscription (a plan: cost_usd is the API-equivalent); NULL unknown',
  ),
];

/** The covering index of usage by day: the overview and the cost views read carrier rows through it. */
export const USAGE_INDEX = [
  'date',
  'provider',
  'model',
  'billing',
  'input_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'session_id',
  'conversation_id',
  'cwd',
];

export const MESSAGE_COLUMNS: readonly ColumnSpec[] = [...V4_COLUMNS, ...ADDITIVE_COLUMNS];

export const messagesDataset: DatasetSpec = {
  name: MESSAGES_DATASET,
  description: 'AI conversation history: one row per content block of every message seen through the gateway',
  columns: [...MESSAGE_COLUMNS],
  primaryTime: 'message_created_at',
  uniqueKey: ['part_id'],
  // the history people keep: nothing is deleted unless `retention.messages_days` says so
  retention: { configKey: 'messages_days', defaultDays: null },
  defaultExport: true,
  indexes: [
    ['conversation_id'],
    ['session_id'],
    ['message_id'],
    ['exchange_id'],
    // covering indexes for `hyp query overview` by day: usage lives on the carrier rows, and
    // reading it through these avoids the wide rows (system_text, tools) on 1M-row tables
    // (the cost per model, day, repo and session reads the same index: billing and the
    // session/cwd columns ride along; it supersedes the index without them, see history/superseded-indexes.ts)
    USAGE_INDEX,
    // the sessions by day, client and repo: message_created_at comes before message_id so a
    // conversation's new rows go at the end of its range (a message_id is random: before it,
    // each new row landed on a page of its own, the writer's largest share of written pages)
    [
      'date',
      'client_name',
      'cwd',
      'session_id',
      'conversation_id',
      'message_created_at',
      'message_id',
      'part_type',
      'tool_name',
    ],
  ],
};

export const EXCHANGE_COLUMNS: readonly ColumnSpec[] = [
  col('exchange_id', 'string', '32 hex chars: a UUIDv7 without dashes (its first 12 are ts_start in Unix ms)', false),
  col('gateway_id', 'string', 'config gateway_id'),
  col('ts_start', 'timestamp', 'request arrival', false),
  col('ts_end', 'timestamp', 'exchange end'),
  col('duration_ms', 'int', 'ts_end - ts_start'),
  col('upstream', 'string', 'upstream that took the request (NULL: none matched)'),
  col('provider', 'string', "that upstream's provider"),
  col('method', 'string', 'HTTP method'),
  col('path', 'string', 'request target, query string included'),
  col('status_code', 'int', 'status the client got'),
  col('request_bytes', 'int', 'request body bytes seen'),
  col('response_bytes', 'int', 'response body bytes seen (as sent, still content-encoded)'),
  col('request_truncated', 'boolean', 'request body capture hit capture_max_bytes'),
  col('response_truncated', 'boolean', 'response body capture hit capture_max_bytes'),
  col('is_sse', 'boolean', 'response is an event stream'),
  col('stream_event_count', 'int', 'SSE events parsed (NULL when not SSE)'),
  col('request_headers', 'json', 'request headers, secrets redacted'),
  col('response_headers', 'json', 'response headers, secrets redacted (NULL: no response)'),
  col('request_body', 'blob', 'gzip of the captured request body, content-encoding removed'),
  col('response_body', 'blob', 'gzip of the captured response body, content-encoding removed'),
  col(
    'request_body_encoding',
    'string',
    'content-encoding still on the stored request bytes (NULL: none; set when decoding failed)',
  ),
  col(
    'response_body_encoding',
    'string',
    'content-encoding still on the stored response bytes (NULL: none; set when decoding failed)',
  ),
  col('response_content_encoding', 'string', 'content-encoding the upstream sent'),
  col('error', 'string', 'what went wrong (upstream, client abort, decode), NULL when nothing'),
  col('aborted', 'boolean', 'the client left before the response ended'),
  col('projector', 'string', 'projector whose projection was written'),
  col('rows_written', 'int', 'new ai_gateway_messages rows from this exchange (re-checks included)'),
  col('skip_reason', 'string', 'no_projector_match | all_projectors_failed | empty_projection | NULL'),
  col('metadata', 'json', '{dev_run_id?}'),
  col('date', 'string', 'UTC YYYY-MM-DD of ts_start', false),
  col(
    'ttfb_ms',
    'int',
    "ms from request arrival to the first byte of the upstream's response sent to the client (NULL: none sent)",
  ),
];

/**
 * Raw exchanges and their settlement records share one setting: `retention.exchanges_days`,
 * else this plugin's older `exchange_retention_days`, else 14 days. The kernel prunes them.
 */
const EXCHANGE_RETENTION: RetentionSpec = {
  configKey: 'exchanges_days',
  defaultDays: DEFAULT_EXCHANGE_RETENTION_DAYS,
  pluginKey: 'exchange_retention_days',
};

export const exchangesDataset: DatasetSpec = {
  name: EXCHANGES_DATASET,
  description:
    'Every proxied HTTP exchange (also failed, aborted and unmatched) with redacted headers and compressed bodies',
  columns: [...EXCHANGE_COLUMNS],
  primaryTime: 'ts_start',
  uniqueKey: ['exchange_id'],
  retention: EXCHANGE_RETENTION,
  // status counts (rows written, skip reasons) without reading through the body blobs
  indexes: [['date'], ['upstream'], ['ts_start', 'rows_written', 'skip_reason']],
};

export const provisionalDataset: DatasetSpec = {
  name: PROVISIONAL_DATASET,
  description: 'match_key settlement: fallback-identity messages waiting for their native id, and settled keys',
  columns: [
    col('conversation_id', 'string', 'conversation of the message', false),
    col('match_key', 'string', 'projector-supplied key of the logical message', false),
    col('message_id', 'string', 'fallback id (kind=fallback) or native id (kind=native)', false),
    col('kind', 'string', 'fallback | native', false),
    col('created_at', 'timestamp', 'when recorded', false),
  ],
  primaryTime: 'created_at',
  uniqueKey: ['conversation_id', 'match_key', 'message_id'],
  retention: EXCHANGE_RETENTION,
  internal: true,
};
