/**
 * Chat Completions and Responses content onto the gateway's message parts: text stays text,
 * images and files become `image` / `file` parts with a `source` (the gateway writes a marker
 * with the media type, the URL or the file id to content_text, never a payload), tool calls
 * and their outputs `tool_call` / `tool_result` parts, anything else an `other` part of its
 * own type.
 *
 * Beside each part goes the form the message's fallback id is hashed from (`identity`).
 * That form is frozen: it is the shape the ids of stored Codex conversations were computed
 * from, so history re-sent after an upgrade keeps its ids (no duplicate rows). For the same
 * reason `native_type` keeps the `provider_subtype` values Codex rows have always had
 * (`tool_use`, `server_tool_use`, `thinking`, `document`). The same functions serve request
 * history and reconstructed replies, so a replayed message projects exactly like the reply it
 * came from.
 */
import type { MediaSource, MessagePart, ProjectedMessage, ToolCallPart, ToolResultPart } from '@hypaware/ai-gateway';
import { isPlainObject, type JsonObject, type JsonValue } from '@hypaware/core';
import { compact, str } from './json-values.js';

/** One part and its frozen identity form. */
export interface MappedPart {
  part: MessagePart;
  identity: JsonObject;
}

/** An identity form: its fields without the undefined ones (key order is part of the form). */
function form(fields: Record<string, JsonValue | undefined>): JsonObject {
  return compact(fields) as JsonObject;
}

const TEXT_PART_TYPES = new Set(['text', 'input_text', 'output_text', 'summary_text', 'reasoning_text']);
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s;

/** A message of mapped parts: the parts are its content, their identity forms its identity. */
export function mappedMessage(role: string, mapped: MappedPart[]): ProjectedMessage {
  return { role, content: mapped.map((m) => m.part), identity: mapped.map((m) => m.identity) };
}

export function textPart(text: string): MappedPart {
  // a text part and its identity form are the same object: nothing to build twice
  const part = { type: 'text' as const, text };
  return { part, identity: part };
}

/** Text of a part that says something (text and `other` parts), for system text and the recorded cwd. */
export function partText(part: MessagePart): string | undefined {
  return part.type === 'text' || part.type === 'other' ? part.text : undefined;
}

/**
 * The `source` of an image or file: a data URL becomes `{type:'base64', media_type, data}`
 * (`text` when it is not base64), a URL `{type:'url'}`, an uploaded file `{type:'file'}`.
 */
function source(url: string | undefined, fileId: string | undefined): JsonObject | undefined {
  const data = url ? DATA_URL.exec(url) : null;
  if (data) {
    const base64 = data[2]!.split(';').includes('base64');
    return { type: base64 ? 'base64' : 'text', media_type: data[1] || 'application/octet-stream', data: data[3]! };
  }
  if (url) return { type: 'url', url };
  if (fileId) return { type: 'file', file_id: fileId };
  return undefined;
}

function media(
  kind: 'image' | 'document',
  url: string | undefined,
  fileId: string | undefined,
  extra: Record<string, string | undefined>,
): MappedPart {
  const src = source(url, fileId);
  const sourced = src ? { source: src as MediaSource } : {};
  const part: MessagePart =
    kind === 'image' ? { type: 'image', ...sourced } : { type: 'file', native_type: 'document', ...sourced };
  return { part, identity: form({ type: kind, source: src, ...extra }) };
}

/** A part of another type, kept under its own name (with its text when it has one). */
export function otherPart(type: string, text: string | undefined): MappedPart {
  const part: MessagePart =
    text === undefined ? { type: 'other', native_type: type } : { type: 'other', native_type: type, text };
  return { part, identity: form({ type, text }) };
}

/** One content part (Chat or Responses shape), or undefined when it holds nothing. */
function contentPart(raw: unknown): MappedPart | undefined {
  if (typeof raw === 'string') return raw === '' ? undefined : textPart(raw);
  if (!isPlainObject(raw)) return undefined;
  const type = str(raw.type) ?? 'text';
  if (TEXT_PART_TYPES.has(type)) {
    const text = str(raw.text);
    return text === undefined ? undefined : textPart(text);
  }
  switch (type) {
    case 'refusal': {
      const text = str(raw.refusal);
      return text === undefined ? undefined : textPart(text);
    }
    case 'image_url': {
      const image = isPlainObject(raw.image_url) ? raw.image_url : { url: raw.image_url };
      return media('image', str(image.url), undefined, { detail: str(image.detail) });
    }
    case 'input_image':
      return media('image', str(raw.image_url), str(raw.file_id), { detail: str(raw.detail) });
    case 'input_audio': {
      const audio = isPlainObject(raw.input_audio) ? raw.input_audio : {};
      return {
        part: { type: 'other', native_type: 'audio' },
        identity: form({ type: 'audio', format: str(audio.format) }),
      };
    }
    case 'file': {
      const file = isPlainObject(raw.file) ? raw.file : {};
      return media('document', str(file.file_data), str(file.file_id), { title: str(file.filename) });
    }
    case 'input_file':
      return media('document', str(raw.file_data) ?? str(raw.file_url), str(raw.file_id), { title: str(raw.filename) });
    default:
      return otherPart(type, str(raw.text));
  }
}

/** The parts of a message `content`: a string, or a list of content parts. */
export function contentParts(content: unknown): MappedPart[] {
  if (typeof content === 'string') return content === '' ? [] : [textPart(content)];
  if (!Array.isArray(content)) return [];
  return content.flatMap((raw: unknown) => {
    const mapped = contentPart(raw);
    return mapped ? [mapped] : [];
  });
}

/** Function-call arguments: parsed JSON when they are JSON, else the raw text ({} when empty). */
export function toolInput(args: unknown): JsonValue {
  if (typeof args !== 'string') return (args ?? {}) as JsonValue;
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args) as JsonValue;
  } catch {
    return args;
  }
}

/** A tool call; `hosted`: a tool the provider runs itself (web search). */
export function toolCallPart(
  callId: string | undefined,
  name: string | undefined,
  input: JsonValue,
  hosted = false,
): MappedPart {
  const nativeType = hosted ? 'server_tool_use' : 'tool_use';
  const part: ToolCallPart = { type: 'tool_call', native_type: nativeType, input };
  if (callId !== undefined) part.call_id = callId;
  if (name !== undefined) part.name = name;
  return { part, identity: form({ type: nativeType, id: callId, name, input }) };
}

/**
 * A tool's output; the gateway names its tool from the call with the same id in the
 * projection. A string stays a string; a list of content parts becomes parts (text, image
 * markers); anything else is kept as JSON text.
 */
export function toolResultPart(callId: string | undefined, output: unknown): MappedPart {
  let content: string | MappedPart[];
  if (typeof output === 'string') content = output;
  else if (Array.isArray(output)) content = contentParts(output);
  else if (output === undefined || output === null) content = '';
  else content = JSON.stringify(output);
  const parts = typeof content === 'string' ? content : content.map((m) => m.part);
  const identities = typeof content === 'string' ? content : content.map((m) => m.identity);
  const part: ToolResultPart = { type: 'tool_result', content: parts };
  if (callId !== undefined) part.call_id = callId;
  return { part, identity: form({ type: 'tool_result', tool_use_id: callId, content: identities }) };
}

/** A reasoning item's summary (and reasoning text). */
export function reasoningPart(text: string): MappedPart {
  return { part: { type: 'reasoning', native_type: 'thinking', text }, identity: { type: 'thinking', thinking: text } };
}

/** An upstream failure in place of a reply; `exchangeId` keeps two identical failures two messages. */
export function errorPart(code: string, message: string, exchangeId: string): MappedPart {
  return {
    part: { type: 'error', code, message },
    identity: { type: 'error', code, message, exchange_id: exchangeId },
  };
}
