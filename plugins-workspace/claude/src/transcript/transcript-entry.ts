import { isPlainObject, type JsonObject, type JsonValue } from '@hypaware/core';
import type { MessageUsage, NativeColumns, ProjectedMessage } from '@hypaware/ai-gateway';
import { blockKey, contentBlocks, unitKey } from '../wire/content-keys.js';
import { mergeUsage } from '../wire/usage.js';
import { firstString as str, parseJsonObject, type Obj } from '../util/json.js';

/**
 * What a transcript line gives the rows of the message it identifies: the session context,
 * and the line's own fields in the provider columns (`native_columns`):
 * - `provider_uuid` the line's `uuid`, `parent_uuid` its `parentUuid`, `logical_parent_uuid`
 *   its `logicalParentUuid` (set where a compaction cut the parent chain),
 *   `source_tool_assistant_uuid` the assistant line whose tool call a result answers;
 * - `provider_type` the line's `type` (`user`, `assistant`), `provider_subtype` its `subtype`;
 * - `attachment_type` / `hook_event` of attachment lines; `is_compact_summary` and
 *   `compact_metadata` of the summary Claude Code writes after compacting.
 */
export type NativeFields = Pick<
  ProjectedMessage,
  | 'request_id'
  | 'prompt_id'
  | 'entrypoint'
  | 'user_type'
  | 'permission_mode'
  | 'is_sidechain'
  | 'agent_id'
  | 'cwd'
  | 'git_branch'
  | 'message_created_at'
  | 'native_columns'
>;

/** One line of a Claude Code transcript that has a `uuid` (messages, attachments, system lines). */
export interface TranscriptEntry {
  /** order of the line in its file */
  seq: number;
  uuid: string;
  parentUuid?: string;
  sessionId?: string;
  /** set for user/assistant lines that carry a message */
  role?: 'user' | 'assistant';
  blockKeys: string[];
  unitKey?: string;
  /** Anthropic message id (`msg_...`) of an assistant line */
  messageId?: string;
  usage?: MessageUsage;
  stopReason?: string;
  /** columns for the message rows; empty for lines that are not user/assistant messages */
  native: NativeFields;
  /** the line for `raw_frame`, trimmed and kept as JSON text (compact in memory; parsed when emitted) */
  frame?: string;
}

const MAX_FRAME_STRING = 1000;
const MAX_FRAME_DEPTH = 6;

/** The line as provenance: without the message content (that is in the parts), long strings cut. */
function frameOf(row: Obj): JsonObject {
  const cut = (v: unknown, depth: number): JsonValue => {
    if (typeof v === 'string')
      return v.length > MAX_FRAME_STRING
        ? `${v.slice(0, MAX_FRAME_STRING)}…[${v.length - MAX_FRAME_STRING} more chars]`
        : v;
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
    if (depth >= MAX_FRAME_DEPTH) return '[nested]';
    if (Array.isArray(v)) return v.map((x) => cut(x, depth + 1));
    if (isPlainObject(v)) {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = cut(x, depth + 1);
      return out;
    }
    return null;
  };
  const copy: Obj = { ...row };
  if (isPlainObject(row.message)) {
    const { content: _content, ...message } = row.message;
    copy.message = message;
  }
  return cut(copy, 0) as JsonObject;
}

function timestampOf(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v).toISOString();
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function nativeFields(row: Obj, attachment: Obj | undefined): NativeFields {
  const f: NativeFields = {};
  const c: NativeColumns = {};
  const set = <K extends keyof NativeFields>(key: K, value: NativeFields[K] | undefined): void => {
    if (value !== undefined) f[key] = value;
  };
  const column = <K extends keyof NativeColumns>(key: K, value: NativeColumns[K] | undefined): void => {
    if (value !== undefined) c[key] = value;
  };
  column('provider_uuid', str(row.uuid));
  column('parent_uuid', str(row.parentUuid, row.parent_uuid));
  column('logical_parent_uuid', str(row.logicalParentUuid, row.logical_parent_uuid));
  column(
    'source_tool_assistant_uuid',
    str(row.sourceToolAssistantUUID, row.sourceToolAssistantUuid, row.source_tool_assistant_uuid),
  );
  set('request_id', str(row.requestId, row.request_id));
  set('prompt_id', str(row.promptId, row.prompt_id));
  column('provider_type', str(row.type));
  column('provider_subtype', str(row.subtype));
  set('entrypoint', str(row.entrypoint));
  set('user_type', str(row.userType, row.user_type));
  set('permission_mode', str(row.permissionMode, row.permission_mode));
  if (typeof row.isSidechain === 'boolean') f.is_sidechain = row.isSidechain;
  set('agent_id', str(row.agentId, row.agent_id));
  column('attachment_type', str(attachment?.type));
  column('hook_event', str(attachment?.hookEvent, row.hookEvent));
  if (typeof row.isCompactSummary === 'boolean') c.is_compact_summary = row.isCompactSummary;
  const compact = row.compactMetadata ?? row.compact_metadata;
  if (compact !== undefined && compact !== null) c.compact_metadata = compact as JsonValue;
  set('cwd', str(row.cwd));
  set('git_branch', str(row.gitBranch, row.git_branch));
  set('message_created_at', timestampOf(row.timestamp));
  if (Object.keys(c).length > 0) f.native_columns = c;
  return f;
}

/** Parse one transcript line; undefined for lines without a uuid (summaries, queue operations, bad JSON). */
export function parseTranscriptLine(line: string, seq: number): TranscriptEntry | undefined {
  const row = parseJsonObject(line);
  return row ? transcriptEntryOf(row, seq) : undefined;
}

/** A parsed transcript line as an entry; undefined without a uuid. */
export function transcriptEntryOf(row: Obj, seq: number): TranscriptEntry | undefined {
  const uuid = str(row.uuid);
  if (!uuid) return undefined;
  const message = isPlainObject(row.message) ? row.message : undefined;
  const role = str(message?.role, row.type);
  const entry: TranscriptEntry = {
    seq,
    uuid,
    blockKeys: [],
    native: {},
  };
  const parent = str(row.parentUuid, row.parent_uuid);
  if (parent) entry.parentUuid = parent;
  const sessionId = str(row.sessionId, row.session_id);
  if (sessionId) entry.sessionId = sessionId;
  if (message && (role === 'user' || role === 'assistant')) {
    const blocks = contentBlocks(message.content);
    if (blocks.length > 0) {
      entry.role = role;
      entry.blockKeys = blocks.map((b) => blockKey(b));
      entry.unitKey = unitKey(blocks);
      const messageId = str(message.id, row.messageId);
      if (messageId) entry.messageId = messageId;
      const usage = mergeUsage(undefined, message.usage);
      if (usage) entry.usage = usage;
      const stop = str(message.stop_reason);
      if (stop) entry.stopReason = stop;
      entry.native = nativeFields(row, isPlainObject(row.attachment) ? row.attachment : undefined);
      entry.frame = JSON.stringify(frameOf(row));
    }
  }
  return entry;
}
