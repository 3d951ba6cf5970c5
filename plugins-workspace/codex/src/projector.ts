/**
 * The `codex-exchange` projector: OpenAI Chat Completions and Responses traffic (from Codex
 * or any other client) as conversation messages. Identity is left to the gateway's fallback
 * (scope, role, canonical content, previous id), so the projection of a history item must
 * equal the projection of the same item when it was a reply: both go through the same
 * item / message mapping and carry no volatile fields in their content.
 */
import { hash } from 'node:crypto';
import type {
  ExchangeInput,
  ExchangeProjector,
  ProjectedExchange,
  ProjectedMessage,
  ProjectorContext,
} from '@hypaware/ai-gateway';
import { LruCache, ResentJsonParser, type JsonObject } from '@hypaware/core';
import { openAiBilling } from './billing.js';
import { chatReply, chatRequestMessages } from './chat-completions.js';
import { codexContext, isCodexNamespace, isCodexTraffic } from './codex-context.js';
import { partText } from './content-parts.js';
import { compact, headerValue, str } from './json-values.js';
import { replyMessages } from './model-reply.js';
import { responsesReply } from './responses-reply.js';
import { inputMessages, type InputItem } from './responses-items.js';

const PROJECTOR_NAME = 'codex-exchange';

function isChatPath(pathname: string): boolean {
  return pathname.endsWith('/chat/completions');
}

function isResponsesPath(pathname: string): boolean {
  return pathname.endsWith('/responses') || pathname.includes('/responses/');
}

function matchesExchange(exchange: ExchangeInput): boolean {
  const p = exchange.pathname;
  return (
    isChatPath(p) ||
    isResponsesPath(p) ||
    p === '/v1/models' ||
    p.startsWith('/v1/models/') ||
    isCodexNamespace(p) ||
    headerValue(exchange.request_headers, 'x-codex-turn-metadata') !== undefined
  );
}

function providerOf(exchange: ExchangeInput): string {
  if (exchange.provider) return exchange.provider;
  if (exchange.upstream === 'openai' || exchange.upstream === 'chatgpt') return exchange.upstream;
  return isCodexNamespace(exchange.pathname) ? 'chatgpt' : 'openai';
}

/** Text of the leading system / developer messages: the system prompt when `instructions` is absent. */
function leadingSystemText(history: ProjectedMessage[]): string | undefined {
  const texts: string[] = [];
  for (const m of history) {
    if (m.role !== 'system' && m.role !== 'developer') break;
    if (typeof m.content === 'string') texts.push(m.content);
    else
      for (const part of m.content) {
        const text = partText(part);
        if (text !== undefined) texts.push(text);
      }
  }
  return texts.length > 0 ? texts.join('\n\n') : undefined;
}

/** A conversation id for traffic that names none: a hash of its first message (its identity form, so ids stay as they were). */
function contentConversationId(history: ProjectedMessage[], exchangeId: string): string {
  const seed = history[0] ? JSON.stringify([history[0].role, history[0].identity ?? history[0].content]) : exchangeId;
  return `openai-${hash('sha256', seed, 'hex').slice(0, 16)}`;
}

/** Where an earlier body of the same thread may be remembered: the session and thread headers Codex sends. */
function resentHint(headers: ExchangeInput['request_headers']): string {
  const session = headerValue(headers, 'session_id') ?? headerValue(headers, 'session-id') ?? '';
  return `${session}|${headerValue(headers, 'thread-id') ?? headerValue(headers, 'thread_id') ?? ''}`;
}

function projectExchange(
  exchange: ExchangeInput,
  ctx: Pick<ProjectorContext, 'log'>,
  inputs: LruCache<string, RememberedInput>,
  bodies: ResentJsonParser,
): ProjectedExchange | undefined {
  const body = bodies.parse(exchange.request_body, resentHint(exchange.request_headers));
  if (!body) {
    if (exchange.method !== 'GET' && exchange.request_body) {
      ctx.log.warn('codex.request_not_projected', {
        exchange_id: exchange.exchange_id,
        path: exchange.pathname,
        reason: exchange.request_truncated ? 'request_truncated' : 'request_not_json_object',
      });
    }
    return undefined;
  }
  const chat = isChatPath(exchange.pathname) || Array.isArray(body.messages);
  let history: ProjectedMessage[];
  if (chat) history = chatRequestMessages(body);
  else {
    // the previous request of the conversation (Codex names it in `prompt_cache_key`; any
    // other traffic shares one slot: a wrong guess costs only the comparison)
    const key = str(body.prompt_cache_key) ?? '';
    const input = inputMessages(body, inputs.get(key)?.items);
    inputs.set(key, { items: input.items, chars: exchange.request_body?.length ?? 0 });
    history = input.messages;
  }
  const reply = chat ? chatReply(exchange) : responsesReply(exchange);
  const messages = [...history, ...replyMessages(reply, exchange)];
  if (messages.length === 0) return undefined;

  const provider = providerOf(exchange);
  const fromCodex = isCodexTraffic(exchange, body);
  const codex = fromCodex ? codexContext(exchange, body, history) : undefined;
  const requestId =
    headerValue(exchange.response_headers, 'x-request-id') ??
    headerValue(exchange.response_headers, 'x-oai-request-id') ??
    codex?.client_request_id;
  const openai = compact({
    api: chat ? 'chat.completions' : 'responses',
    response_id: reply.responseId,
    previous_response_id: str(body.previous_response_id),
  }) as JsonObject;
  return compact({
    provider,
    conversation_id: codex?.thread_id ?? codex?.session_id ?? contentConversationId(history, exchange.exchange_id),
    session_id: codex?.session_id,
    agent_id: codex?.is_subagent ? codex.thread_id : undefined,
    parent_agent_id: codex?.is_subagent ? codex.parent_thread_id : undefined,
    conversation_source: fromCodex ? 'codex' : 'api',
    user_id: str(body.user),
    cwd: codex?.cwd,
    client_name: fromCodex ? 'codex' : undefined,
    client_version: codex?.client_version,
    entrypoint: codex?.originator,
    user_type: codex?.thread_source,
    permission_mode: codex?.permission_mode,
    is_sidechain: codex?.is_subagent,
    model: str(body.model) ?? reply.model,
    system_text: str(body.instructions) ?? leadingSystemText(history),
    tools: body.tools,
    request_id: requestId,
    prompt_id: codex?.turn_id,
    billing: openAiBilling(exchange, provider),
    attributes: compact({ codex: codex?.attributes, openai }),
    messages,
  }) as ProjectedExchange;
}

/** Conversations whose last request's input items are remembered. */
const MAX_REMEMBERED_INPUTS = 8;
/** ... and the request text they came from, at most this many characters over all (the parsed items are a few times that). */
const INPUT_BUDGET_CHARS = 8 * 1024 * 1024;

interface RememberedInput {
  items: InputItem[];
  /** characters of the request body the items were parsed from */
  chars: number;
}

export function createCodexProjector(): ExchangeProjector {
  const inputs = new LruCache<string, RememberedInput>(MAX_REMEMBERED_INPUTS, {
    max: INPUT_BUDGET_CHARS,
    of: (r) => r.chars,
    // one such request would push out every other conversation
    maxEach: INPUT_BUDGET_CHARS / 2,
  });
  // each turn re-sends the input items before it: parsed once, then only what a turn adds
  const bodies = new ResentJsonParser({ listKey: 'input' });
  return {
    name: PROJECTOR_NAME,
    priority: 100,
    match: matchesExchange,
    project: (exchange, ctx) => projectExchange(exchange, ctx, inputs, bodies),
  };
}
