/**
 * From a projection to planned messages with identity, and from a message to its part rows:
 * one row per part, the part's vocabulary (api-types.ts) mapped onto the columns, provider
 * columns written as the adapter gave them. Rows are built only for messages the store does
 * not hold yet.
 */
import { isPlainObject, type JsonObject } from '@hypaware/core';
import type { MessagePart, MessageUsage, ProjectedExchange, ProjectedMessage } from '../api-types.js';
import type { ExchangeFacts } from './exchange-facts.js';
import { MESSAGE_COLUMNS, MESSAGES_DATASET, SCHEMA_VERSION } from '../datasets.js';
import { partContentText } from './content-text.js';
import { fallbackMessageId, normalizeContent, partCount, type HistoryIdentityMemo } from './message-identity.js';

export type SqlValue = string | number | null | Buffer;
export type Row = Record<string, SqlValue>;

export interface PlannedMessage {
  messageId: string;
  /** true when the gateway computed the id */
  fallback: boolean;
  matchKey: string | undefined;
  partCount: number;
  /** position of the message in the projection's `messages` */
  index: number;
  /** the message's part rows as values in `MESSAGE_COLUMNS` order (what the store binds) */
  buildRowValues(): SqlValue[][];
  /** the same rows as objects by column name */
  buildRows(): Row[];
}

/** Where imported rows come from (rows without an exchange: `hyp claude import`, `hyp codex import`). */
export interface FileOrigin {
  /** the file the messages were read from */
  path: string;
  /** message time for a message that has none */
  fallbackTime: string;
}

export interface PlanContext {
  gatewayId: string;
  /** the exchange the projection came from (live capture); absent for imported history */
  exchange?: ExchangeFacts;
  /** imported history: the file, instead of an exchange */
  file?: FileOrigin;
  /** id of the message before the projection's first one (an import continuing a conversation in batches) */
  previousId?: string;
  conversationStartedAt: string;
  /** fallback ids of earlier projections, reused for an unchanged history */
  identities?: HistoryIdentityMemo;
  /**
   * Messages the caller knows are stored (the writer's cache of recent ids): not planned, since
   * nothing is written for them (their ids still chain the messages after them)
   */
  known?: (messageId: string) => boolean;
}

/** Part types whose name is the `part_type` value; any other (`other` included) is named by its native type. */
const NAMED_PART_TYPES: ReadonlySet<string> = new Set([
  'text',
  'reasoning',
  'tool_call',
  'tool_result',
  'image',
  'file',
  'error',
]);
const USAGE_KEYS: Array<keyof MessageUsage> = [
  'input_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
  'output_tokens',
  'reasoning_tokens',
];

/** Position of a column in `MESSAGE_COLUMNS` (the order rows are bound in); an unknown name is a bug, caught at load. */
function columnAt(name: string): number {
  const i = MESSAGE_COLUMNS.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`message-rows: no column ${name} in ${MESSAGES_DATASET}`);
  return i;
}

/** The columns a part sets on top of its message's, by position. */
const AT = {
  part_id: columnAt('part_id'),
  part_index: columnAt('part_index'),
  part_type: columnAt('part_type'),
  provider_subtype: columnAt('provider_subtype'),
  content_text: columnAt('content_text'),
  tool_name: columnAt('tool_name'),
  tool_call_id: columnAt('tool_call_id'),
  tool_args: columnAt('tool_args'),
  caller_type: columnAt('caller_type'),
  tool_result_for: columnAt('tool_result_for'),
  thinking_signature: columnAt('thinking_signature'),
  is_error: columnAt('is_error'),
  status: columnAt('status'),
};
const USAGE_AT = USAGE_KEYS.map(columnAt);

/** A row's values by column name. */
export function rowObject(values: readonly SqlValue[]): Row {
  const row: Row = {};
  MESSAGE_COLUMNS.forEach((c, i) => (row[c.name] = values[i] ?? null));
  return row;
}

/** A part as projected: untrusted, so every field is read with a type check. */
type LoosePart = Record<string, unknown>;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function bool(v: unknown): number | null {
  return typeof v === 'boolean' ? (v ? 1 : 0) : null;
}

function json(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

function count(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.trunc(v) : null;
}

/** ISO form of a timestamp string, or undefined when it does not parse. */
export function isoTime(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** Right-biased merge, one level deep: plain objects under the same key are shallow-merged. */
export function mergeAttributes(...layers: Array<JsonObject | undefined>): JsonObject | undefined {
  const out: JsonObject = {};
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    for (const [key, value] of Object.entries(layer)) {
      const prev = out[key];
      out[key] = isPlainObject(prev) && isPlainObject(value) ? { ...prev, ...value } : value;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `attributes.gateway`: `origin` says where the row came from (`wire`: an exchange; `file`: an imported history file). */
function gatewayProvenance(ctx: PlanContext): JsonObject {
  const exchange = ctx.exchange;
  if (!exchange) return { origin: 'file', file: ctx.file?.path ?? null };
  return {
    origin: 'wire',
    exchange_id: exchange.exchange_id,
    upstream: exchange.upstream,
    method: exchange.method,
    path: exchange.path,
    status_code: exchange.status_code,
    is_sse: exchange.is_sse,
    stream_event_count: exchange.stream_event_count,
    error: exchange.error,
  };
}

function partStatus(part: LoosePart, t: string, finishReason: string | undefined): string | null {
  const status: JsonObject = {};
  if (t === 'tool_result') status.tool_status = part.is_error === true ? 'error' : 'success';
  if (finishReason !== undefined) status.finish_reason = finishReason;
  if (t === 'error') {
    const code = str(part.code);
    const message = str(part.message);
    if (code !== null) status.error_code = code;
    if (message !== null) status.error_message = message;
  }
  return Object.keys(status).length > 0 ? JSON.stringify(status) : null;
}

/** What `status.finish_reason` holds for a message: the adapter's spelling, else the reason. */
function finishReasonOf(m: ProjectedMessage): string | undefined {
  if (m.role !== 'assistant' || !isPlainObject(m.finish as unknown)) return undefined;
  return str(m.finish!.recorded_as) ?? str(m.finish!.reason) ?? undefined;
}

/**
 * Call id -> tool name of every tool_call part of the projection (a later call with the same id
 * wins). Reads the content arrays as they are: a tool call is never a string, and the object
 * parts `normalizeContent` keeps are these same objects.
 */
function toolNamesOf(messages: readonly ProjectedMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (!isPlainObject(message as unknown) || typeof message.role !== 'string' || message.role === '') continue;
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as unknown[]) {
      if (!isPlainObject(part)) continue;
      if (part.type === 'tool_call' && typeof part.call_id === 'string' && typeof part.name === 'string')
        names.set(part.call_id, part.name);
    }
  }
  return names;
}

/**
 * What the messages of one projection share when their rows are built: the call id -> tool
 * name map and the request's tool list (tens of KB for Claude Code), each made once and only
 * if a row is built.
 */
class ProjectionShared {
  readonly projection: ProjectedExchange;
  readonly ctx: PlanContext;
  #toolNames: Map<string, string> | undefined;
  #toolsJson: string | null | undefined;

  constructor(projection: ProjectedExchange, ctx: PlanContext) {
    this.projection = projection;
    this.ctx = ctx;
  }

  get toolNames(): Map<string, string> {
    return (this.#toolNames ??= toolNamesOf(this.projection.messages));
  }

  get toolsJson(): string | null {
    if (this.#toolsJson === undefined) this.#toolsJson = json(this.projection.tools);
    return this.#toolsJson;
  }
}

/**
 * A planned message: its identity now, its rows on demand. A class rather than closures: a
 * request re-sends its whole history, and each of its messages is planned on every turn.
 */
class Planned implements PlannedMessage {
  readonly messageId: string;
  readonly fallback: boolean;
  readonly matchKey: string | undefined;
  readonly partCount: number;
  readonly index: number;
  readonly #shared: ProjectionShared;
  readonly #message: ProjectedMessage;
  /** the id of the message before it (undefined: none) */
  readonly #chainedTo: string | undefined;

  constructor(
    shared: ProjectionShared,
    message: ProjectedMessage,
    index: number,
    messageId: string,
    fallback: boolean,
    matchKey: string | undefined,
    partCount: number,
    chainedTo: string | undefined,
  ) {
    this.messageId = messageId;
    this.fallback = fallback;
    this.matchKey = matchKey;
    this.partCount = partCount;
    this.index = index;
    this.#shared = shared;
    this.#message = message;
    this.#chainedTo = chainedTo;
  }

  buildRows(): Row[] {
    return this.buildRowValues().map(rowObject);
  }

  buildRowValues(): SqlValue[][] {
    const message = this.#message;
    let previous: string[] | null;
    if (Array.isArray(message.previous_message_id))
      previous = message.previous_message_id.filter((p): p is string => typeof p === 'string');
    else previous = !this.fallback ? null : this.#chainedTo === undefined ? [] : [this.#chainedTo];
    const { projection, ctx } = this.#shared;
    return messageRows(
      projection,
      message,
      this.index,
      normalizeContent(message.content) as unknown as LoosePart[],
      { messageId: this.messageId, previous, fallback: this.fallback, matchKey: this.matchKey },
      this.#shared.toolNames,
      this.#shared.toolsJson,
      ctx,
    );
  }
}

/**
 * Plan every valid message of a projection: identity, then a lazy row builder. A re-sent
 * message costs its identity only (the memo's comparison); its parts are built when its rows
 * are, which happens only for messages the store does not hold yet.
 */
export function planMessages(projection: ProjectedExchange, ctx: PlanContext): PlannedMessage[] {
  const conversation = projection.conversation_id;
  const shared = new ProjectionShared(projection, ctx);
  const planned: PlannedMessage[] = [];
  let previousId: string | undefined = ctx.previousId;
  const memo = ctx.identities?.walk(conversation);
  const messages = projection.messages;
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]!;
    if (!isPlainObject(message as unknown) || typeof message.role !== 'string' || message.role === '') continue;
    const count = partCount(message.content);
    if (count === 0) continue;
    const suppliedId =
      typeof message.message_id === 'string' && message.message_id !== '' ? message.message_id : undefined;
    const memoKey = message.identity !== undefined ? message.identity : message.content;
    let messageId = memo ? memo.idFor(message.role, memoKey, suppliedId) : suppliedId;
    if (messageId === undefined) {
      messageId = fallbackMessageId(
        conversation,
        message.role,
        message.identity !== undefined ? message.identity : normalizeContent(message.content),
        previousId,
      );
      memo?.computed(messageId);
    }
    const chainedTo = previousId;
    previousId = messageId;
    if (ctx.known?.(messageId)) continue;
    const matchKey = typeof message.match_key === 'string' && message.match_key !== '' ? message.match_key : undefined;
    planned.push(new Planned(shared, message, index, messageId, suppliedId === undefined, matchKey, count, chainedTo));
  }
  memo?.finish();
  return planned;
}

interface Identity {
  messageId: string;
  previous: string[] | null;
  fallback: boolean;
  matchKey: string | undefined;
}

function messageRows(
  p: ProjectedExchange,
  m: ProjectedMessage,
  index: number,
  parts: LoosePart[],
  identity: Identity,
  toolNames: Map<string, string>,
  toolsJson: string | null,
  ctx: PlanContext,
): SqlValue[][] {
  const createdAt =
    isoTime(m.message_created_at) ?? ctx.exchange?.ts_start ?? ctx.file?.fallbackTime ?? new Date().toISOString();
  const gateway: JsonObject = gatewayProvenance(ctx);
  if (identity.fallback) gateway.identity_source = 'gateway_fallback';
  if (identity.matchKey !== undefined) gateway.match_key = identity.matchKey;
  const client: JsonObject = {};
  if (typeof p.client_name === 'string') client.name = p.client_name;
  if (typeof p.client_version === 'string') client.version = p.client_version;
  const devRunId = ctx.exchange?.metadata.dev_run_id;
  const attributes = json(
    mergeAttributes(Object.keys(client).length > 0 ? { client } : undefined, m.attributes, p.attributes, {
      ...(devRunId ? { dev_run_id: devRunId } : {}),
      gateway,
    }),
  );
  const finishReason = finishReasonOf(m);
  const native: Record<string, unknown> = isPlainObject(m.native_columns as unknown)
    ? (m.native_columns as Record<string, unknown>)
    : {};
  const shared: Row = {
    gateway_id: ctx.gatewayId,
    schema_version: SCHEMA_VERSION,
    conversation_id: p.conversation_id,
    user_id: str(p.user_id),
    provider: p.provider,
    model: str(p.model),
    system_text: str(p.system_text),
    tools: toolsJson,
    conversation_started_at: ctx.conversationStartedAt,
    conversation_source: str(p.conversation_source),
    cwd: str(m.cwd) ?? str(p.cwd),
    git_branch: str(m.git_branch) ?? str(p.git_branch),
    client_version: str(p.client_version),
    entrypoint: str(m.entrypoint) ?? str(p.entrypoint),
    user_type: str(m.user_type) ?? str(p.user_type),
    permission_mode: str(m.permission_mode) ?? str(p.permission_mode),
    is_sidechain: bool(m.is_sidechain) ?? bool(p.is_sidechain),
    message_id: identity.messageId,
    previous_message_id: json(identity.previous),
    provider_uuid: str(native.provider_uuid),
    parent_uuid: str(native.parent_uuid),
    logical_parent_uuid: str(native.logical_parent_uuid),
    source_tool_assistant_uuid: str(native.source_tool_assistant_uuid),
    request_id: str(m.request_id) ?? str(p.request_id),
    prompt_id: str(m.prompt_id) ?? str(p.prompt_id),
    message_index: index,
    message_created_at: createdAt,
    role: m.role,
    provider_type: str(native.provider_type),
    attachment_type: str(native.attachment_type),
    hook_event: str(native.hook_event),
    is_compact_summary: bool(native.is_compact_summary),
    compact_metadata: json(native.compact_metadata),
    attributes,
    raw_frame: isPlainObject(m.raw_frame) ? JSON.stringify(m.raw_frame) : null,
    date: createdAt.slice(0, 10),
    session_id: str(p.session_id),
    agent_id: str(m.agent_id) ?? str(p.agent_id),
    parent_agent_id: str(m.parent_agent_id) ?? str(p.parent_agent_id),
    agent_type: str(p.agent_type),
    parent_tool_call_id: str(p.parent_tool_call_id),
    client_name: str(p.client_name),
    exchange_id: ctx.exchange?.exchange_id ?? null,
    billing: p.billing === 'api' || p.billing === 'subscription' ? p.billing : null,
  };
  // the message's columns once, in binding order; each part copies them and sets its own
  // (an array per row: an object of ~70 members built per row cost more than the rest of the row)
  const base: SqlValue[] = MESSAGE_COLUMNS.map((c) => shared[c.name] ?? null);
  const last = parts.length - 1;
  const subtype = str(native.provider_subtype);
  return parts.map((part, k): SqlValue[] => {
    const t = typeof part.type === 'string' && part.type !== '' ? part.type : 'text';
    const isCall = t === 'tool_call';
    const isResult = t === 'tool_result';
    const callId = isCall || isResult ? str(part.call_id) : null;
    const row = base.slice();
    row[AT.part_id] = `${identity.messageId}#${k}`;
    row[AT.part_index] = k;
    row[AT.part_type] = NAMED_PART_TYPES.has(t) ? t : (str(part.native_type) ?? t);
    row[AT.provider_subtype] = subtype ?? str(part.native_type) ?? t;
    row[AT.content_text] = partContentText({ ...part, type: t } as MessagePart) ?? null;
    row[AT.tool_name] = isCall ? str(part.name) : isResult && callId !== null ? (toolNames.get(callId) ?? null) : null;
    row[AT.tool_call_id] = callId;
    row[AT.tool_args] = isCall ? json(part.input) : null;
    row[AT.caller_type] = str(part.caller_type);
    row[AT.tool_result_for] = isResult ? callId : null;
    row[AT.thinking_signature] = t === 'reasoning' ? str(part.signature) : null;
    row[AT.is_error] = part.is_error === true ? 1 : null;
    row[AT.status] = partStatus(part, t, k === last ? finishReason : undefined);
    // usage on the message's last part only (one carrier row per response)
    const usage = k === last && isPlainObject(m.usage as unknown) ? m.usage! : undefined;
    for (let u = 0; u < USAGE_KEYS.length; u++) row[USAGE_AT[u]!] = usage ? count(usage[USAGE_KEYS[u]!]) : null;
    return row;
  });
}
