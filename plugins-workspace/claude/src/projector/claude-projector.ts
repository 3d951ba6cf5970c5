import { claudeBilling } from '../wire/billing.js';
import { LruCache, ResentJsonParser, type JsonObject } from '@hypaware/core';
import type {
  ExchangeInput,
  ExchangeProjector,
  MessageUsage,
  ProjectedExchange,
  ProjectedMessage,
  ProjectorContext,
} from '@hypaware/ai-gateway';
import { isAnthropicConversationTraffic, isMessagesPath } from '../anthropic-route.js';
import { alignUnits } from '../identity/align-units.js';
import { SessionContexts } from '../session-context/session-contexts.js';
import { TranscriptStore } from '../transcript/transcript-store.js';
import { replyFromJson, replyFromSse, type AssistantReply } from '../wire/assistant-reply.js';
import { clientIdentity, type ClientIdentity } from '../wire/client-identity.js';
import { canonicalJson, sha256Hex } from '../wire/content-keys.js';
import { headerValue } from '../wire/headers.js';
import { parseMessagesRequest, type MessagesRequest } from '../wire/messages-request.js';
import { HashMemo } from '../wire/hash-memo.js';
import { wireUnits, type MessageUnits } from '../wire/wire-units.js';
import { buildMessages } from './build-messages.js';
import { readSubagentMeta, type SubagentMeta } from '../transcript/subagent-meta.js';

const PROJECTOR_NAME = 'claude-anthropic-messages';

/** Where an earlier body of the same thread may be remembered: its session and agent (headers Claude Code sends). */
function resentHint(headers: ExchangeInput['request_headers']): string {
  return `${headerValue(headers, 'x-claude-code-session-id') ?? ''}|${headerValue(headers, 'x-claude-code-agent-id') ?? ''}`;
}

export interface ClaudeProjectorOptions {
  /** the session-context state file the hook appends to */
  stateFile: string;
  /** `<claude config dir>/projects` */
  projectsDir: string;
  /** delays of the re-checks asked for while the transcript lags behind; one per attempt */
  recheckDelaysMs?: readonly number[];
}

const DEFAULT_RECHECK_DELAYS_MS = [1500, 3000, 6000];
/** Exchanges whose re-check is pending, remembered with the session they wait for (a few strings each). */
const MAX_AWAITED_EXCHANGES = 8192;
/** Conversations whose last request is remembered (each holds that request's parsed history). */
const MAX_CONVERSATION_MEMOS = 8;
/** ... and the request text they came from, at most this many characters over all (the parsed history is a few times that). */
const MEMO_BUDGET_CHARS = 8 * 1024 * 1024;

interface ProjectionMemo {
  history: MessageUnits[];
  hashes: HashMemo;
  /** characters of the request body the history was parsed from */
  chars: number;
}

/** The lookups a re-check repeats, kept from the first projection so a futile re-check need not parse the body. */
interface AwaitedTranscript {
  sessionId: string;
  agentId: string | undefined;
}

function conversationIdOf(identity: ClientIdentity, request: MessagesRequest, exchangeId: string): string {
  if (identity.session_id) return identity.session_id;
  const first = request.messages[0];
  return sha256Hex(first ? canonicalJson(first.content) : exchangeId).slice(0, 16);
}

/** An error reply (error body or event, upstream failure) as one error message. */
function errorMessage(exchange: ExchangeInput, reply: AssistantReply | undefined): ProjectedMessage | undefined {
  const code = reply?.error?.type ?? (exchange.error ? 'upstream_error' : undefined);
  if (!code) return undefined;
  const message = reply?.error?.message ?? exchange.error ?? code;
  return {
    role: 'assistant',
    content: [{ type: 'error', code, message }],
    // the exchange id keeps two identical failures at the same point of a conversation two messages
    identity: [{ type: 'error', code, message, exchange_id: exchange.exchange_id }],
    message_created_at: exchange.ts_end,
    attributes: { claude: { identity_source: 'gateway_fallback' } },
  };
}

function projectionAttributes(
  exchange: ExchangeInput,
  request: MessagesRequest,
  reply: AssistantReply | undefined,
  transcriptPath: string | undefined,
): JsonObject {
  const providerRaw: JsonObject = {};
  if (request.metadata) providerRaw.metadata = request.metadata;
  if (reply?.id) providerRaw.response_id = reply.id;
  if (reply?.model) providerRaw.response_model = reply.model;
  const claude: JsonObject = { transcript_found: transcriptPath !== undefined };
  if (reply && !reply.complete) claude.stream_incomplete = true;
  return { request: request.settings, provider_raw: providerRaw, timing: { latency_ms: exchange.duration_ms }, claude };
}

/**
 * The Claude projector: Anthropic Messages exchanges to rows, with native transcript
 * identity where Claude Code has written the lines, and a re-check while it has not.
 */
export function createClaudeProjector(options: ClaudeProjectorOptions): ExchangeProjector {
  const contexts = new SessionContexts(options.stateFile);
  const transcripts = new TranscriptStore(options.projectsDir);
  const usageByMessageId = new LruCache<string, MessageUsage>(4096);
  /** sub-agent `.meta.json` by transcript path (only found ones: Claude Code may write it late) */
  const subagentMetas = new LruCache<string, SubagentMeta>(256);
  const subagentMeta = async (path: string): Promise<SubagentMeta | undefined> => {
    const known = subagentMetas.get(path);
    if (known) return known;
    const meta = await readSubagentMeta(path);
    if (meta) subagentMetas.set(path, meta);
    return meta;
  };
  const awaited = new LruCache<string, AwaitedTranscript>(MAX_AWAITED_EXCHANGES);
  /** each turn re-sends the history: parsed once, then only what a turn adds */
  const bodies = new ResentJsonParser({ listKey: 'messages' });
  /** per conversation (and agent): the last request's units and hashes, reused for the re-sent history */
  const memos = new LruCache<string, ProjectionMemo>(MAX_CONVERSATION_MEMOS, {
    max: MEMO_BUDGET_CHARS,
    of: (m) => m.chars,
    // one such request would push out every other conversation
    maxEach: MEMO_BUDGET_CHARS / 2,
  });
  const recheckDelays = options.recheckDelaysMs ?? DEFAULT_RECHECK_DELAYS_MS;

  /**
   * A re-check that can write nothing: no transcript is known for the session yet (neither the
   * hook's path nor a file in the projects folder). Its projection would equal the first one
   * (fallback and wire ids of the same content, all stored already) and would ask for no
   * further re-check, so it is skipped before the body is parsed again.
   */
  async function futileRecheck(exchange: ExchangeInput): Promise<boolean> {
    const lookup = awaited.get(exchange.exchange_id);
    if (!lookup) return false;
    const endMs = Date.parse(exchange.ts_end);
    const context = await contexts.get(lookup.sessionId, Number.isNaN(endMs) ? Date.now() : endMs);
    if (context?.transcript_path !== undefined) return false;
    const transcript = await transcripts.find({
      sessionId: lookup.sessionId,
      ...(lookup.agentId ? { agentId: lookup.agentId } : {}),
    });
    return transcript === undefined;
  }

  async function project(exchange: ExchangeInput, ctx: ProjectorContext): Promise<ProjectedExchange | undefined> {
    if (!isMessagesPath(exchange.pathname)) return undefined;
    // live re-checks only (`hyp reproject` projects with a later attempt number)
    const recheck = ctx.attempt > 0 && ctx.attempt <= recheckDelays.length;
    if (recheck && (await futileRecheck(exchange))) return undefined;
    const request = parseMessagesRequest(exchange.request_body, (text) =>
      bodies.parse(text, resentHint(exchange.request_headers)),
    );
    if (!request) {
      ctx.log.warn('claude.projector_skip', {
        exchange_id: exchange.exchange_id,
        reason: exchange.request_truncated ? 'request_truncated' : 'unparseable_request_body',
      });
      return undefined;
    }
    const reply = exchange.is_sse ? replyFromSse(exchange.stream_events) : replyFromJson(exchange.response_body);
    if (reply?.id && reply.usage) usageByMessageId.set(reply.id, reply.usage);
    const identity = clientIdentity(exchange.request_headers, request.metadata);
    const sessionId = identity.session_id;
    const endMs = Date.parse(exchange.ts_end);
    const context = sessionId ? await contexts.get(sessionId, Number.isNaN(endMs) ? Date.now() : endMs) : undefined;
    const transcript = sessionId
      ? await transcripts.find({
          sessionId,
          ...(context?.transcript_path ? { transcriptPath: context.transcript_path } : {}),
          ...(identity.agent_id ? { agentId: identity.agent_id } : {}),
        })
      : undefined;

    const conversationId = conversationIdOf(identity, request, exchange.exchange_id);
    const scope = identity.agent_id ?? 'main';
    const memoKey = `${conversationId}|${scope}`;
    const memo = memos.get(memoKey) ?? { history: [], hashes: new HashMemo(), chars: 0 };
    const { units, history } = wireUnits(request.messages, reply, memo.history);
    memo.history = history;
    memo.chars = exchange.request_body?.length ?? 0;
    memos.set(memoKey, memo);
    const built = buildMessages({
      conversationId,
      units,
      matches: alignUnits(units, transcript?.view, reply?.id),
      view: transcript?.view,
      scope,
      reply,
      replyCreatedAt: exchange.ts_end,
      replyRequestId: headerValue(exchange.response_headers, 'request-id'),
      wireUsage: (id) => usageByMessageId.get(id),
      sha256Hex: (text) => memo.hashes.sha256Hex(text),
    });
    memo.hashes.rotate();
    const failure = errorMessage(exchange, reply);
    if (failure) built.messages.push(failure);
    if (built.messages.length === 0) return undefined;

    const latest = transcript?.view.latest()?.native;
    const projection: ProjectedExchange = {
      provider: 'anthropic',
      conversation_id: conversationId,
      conversation_source: identity.is_claude_code ? 'claude_code' : 'api',
      client_name: 'claude',
      attributes: projectionAttributes(exchange, request, reply, transcript?.path),
      messages: built.messages,
    };
    const set = <K extends keyof ProjectedExchange>(key: K, value: ProjectedExchange[K] | undefined): void => {
      if (value !== undefined) projection[key] = value;
    };
    set('session_id', sessionId);
    set('agent_id', identity.agent_id);
    set('parent_agent_id', identity.parent_agent_id);
    const meta = identity.agent_id && transcript ? await subagentMeta(transcript.path) : undefined;
    set('agent_type', meta?.agent_type);
    set('parent_tool_call_id', meta?.tool_use_id);
    set('is_sidechain', identity.is_claude_code ? identity.agent_id !== undefined : undefined);
    set('user_id', identity.account_uuid);
    set('client_version', identity.client_version);
    set('entrypoint', identity.entrypoint);
    set('user_type', identity.user_type);
    set('cwd', context?.cwd ?? latest?.cwd);
    set('git_branch', context?.git_branch ?? latest?.git_branch);
    set('model', request.model ?? reply?.model);
    set('system_text', request.system_text);
    set('tools', request.tools);
    set('request_id', headerValue(exchange.response_headers, 'request-id'));
    set('billing', claudeBilling(exchange.request_headers));
    const awaitTranscript =
      sessionId !== undefined && built.pending > 0 && (identity.is_claude_code || transcript !== undefined);
    // Claude Code writes its transcript lazily: one re-check even when no transcript or hook
    // record is known yet; the full series only once one is (a client that never writes a
    // transcript then costs one extra projection per exchange, not three).
    const knownTranscript = transcript !== undefined || context?.transcript_path !== undefined;
    const attempts = knownTranscript ? recheckDelays.length : 1;
    if (awaitTranscript && ctx.attempt < attempts) {
      projection.recheck_after_ms = recheckDelays[ctx.attempt]!;
      awaited.set(exchange.exchange_id, { sessionId, agentId: identity.agent_id });
    }
    return projection;
  }

  return {
    name: PROJECTOR_NAME,
    priority: 100,
    match: (exchange) => isAnthropicConversationTraffic(exchange.pathname, exchange.request_headers),
    project,
  };
}
