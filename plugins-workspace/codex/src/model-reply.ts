/**
 * The model's reply of one exchange, as reconstructed by the Chat or Responses reader, and
 * how it becomes projected messages: usage and stop reason on one carrier message (the last
 * one), replies cut short marked out of band (attributes), upstream failures as an error row.
 */
import type { ExchangeInput, MessageFinish, MessageUsage, ProjectedMessage } from '@hypaware/ai-gateway';
import { isPlainObject, type JsonObject } from '@hypaware/core';
import { errorPart, mappedMessage } from './content-parts.js';
import { compact, str } from './json-values.js';

export interface UpstreamFailure {
  code: string;
  message: string;
}

export interface ModelReply {
  /** output messages in output order */
  messages: ProjectedMessage[];
  usage?: MessageUsage;
  /** why the response ended; undefined for a reply cut short */
  finish?: MessageFinish;
  responseId?: string;
  model?: string;
  /** false when the reply ended before its terminal event (cut stream) */
  complete: boolean;
  failure?: UpstreamFailure;
}

/** The error an upstream put in a non-2xx JSON body (OpenAI `{error:{...}}` or `{detail}`). */
export function httpFailure(exchange: ExchangeInput, body: unknown): UpstreamFailure | undefined {
  const status = exchange.status_code;
  if (status === null || status < 400) return undefined;
  const error = isPlainObject(body) && isPlainObject(body.error) ? body.error : undefined;
  const detail = isPlainObject(body)
    ? (str(body.detail) ?? (typeof body.error === 'string' ? body.error : undefined))
    : undefined;
  return {
    code: str(error?.code) ?? str(error?.type) ?? `http_${status}`,
    message: str(error?.message) ?? detail ?? `upstream answered HTTP ${status}`,
  };
}

/** Output messages of a reply, ready for the projection. */
export function replyMessages(reply: ModelReply, exchange: ExchangeInput): ProjectedMessage[] {
  const messages = reply.messages.map((m) => ({ ...m, message_created_at: exchange.ts_end }));
  if (reply.failure) {
    messages.push({
      ...mappedMessage('assistant', [errorPart(reply.failure.code, reply.failure.message, exchange.exchange_id)]),
      message_created_at: exchange.ts_end,
    });
  }
  if (!reply.complete) {
    for (const m of messages) m.attributes = mergeOpenAi(m.attributes, { stream_incomplete: true });
  }
  const carrier = messages[messages.length - 1];
  if (carrier) {
    if (reply.usage) carrier.usage = reply.usage;
    const finish: MessageFinish | undefined = reply.failure ? { reason: 'error' } : reply.finish;
    if (finish) carrier.finish = finish;
  }
  return messages;
}

function mergeOpenAi(attributes: JsonObject | undefined, extra: JsonObject): JsonObject {
  const current = attributes && isPlainObject(attributes.openai) ? attributes.openai : {};
  return { ...attributes, openai: { ...current, ...extra } };
}

/** Item-level provenance kept on a message (not part of its identity). */
export function itemFrame(fields: Record<string, string | undefined>): JsonObject | undefined {
  const frame = compact({ ...fields });
  return Object.keys(frame).length > 0 ? (frame as JsonObject) : undefined;
}
