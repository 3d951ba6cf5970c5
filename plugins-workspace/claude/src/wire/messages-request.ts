import { isPlainObject, type JsonObject, type JsonValue } from '@hypaware/core';
import { parseJsonObject } from '../util/json.js';

/** One message of a Messages API request, as sent. */
export interface WireMessage {
  role: string;
  content: unknown;
}

export interface MessagesRequest {
  model?: string;
  system_text?: string;
  tools?: JsonValue;
  metadata?: JsonObject;
  messages: WireMessage[];
  /** request settings kept for the record: max_tokens, thinking, output_config, context_management, stream */
  settings: JsonObject;
}

const KEPT_SETTINGS = [
  'max_tokens',
  'thinking',
  'output_config',
  'context_management',
  'stream',
  'tool_choice',
  'temperature',
  'service_tier',
] as const;

/** `system` as text: a string, or the text of its blocks joined by a blank line. */
export function systemText(system: unknown): string | undefined {
  if (typeof system === 'string') return system === '' ? undefined : system;
  if (!Array.isArray(system)) return undefined;
  const texts = system.flatMap((b) => (isPlainObject(b) && typeof b.text === 'string' ? [b.text] : []));
  return texts.length > 0 ? texts.join('\n\n') : undefined;
}

/**
 * Parse a Messages API request body; undefined when it is not a JSON object. `parseBody` is
 * the JSON parse to use (the projector's re-sent body parser); its values are only read.
 */
export function parseMessagesRequest(
  body: string | null,
  parseBody: (text: string | null) => JsonObject | undefined = (text) =>
    // parsed JSON: every value in it is a JsonValue
    parseJsonObject(text) as JsonObject | undefined,
): MessagesRequest | undefined {
  const parsed = parseBody(body);
  if (!parsed) return undefined;
  // a loop, not flatMap: a request re-sends its whole history, so this runs for every message of every turn
  const messages: WireMessage[] = [];
  if (Array.isArray(parsed.messages))
    for (const m of parsed.messages)
      if (isPlainObject(m) && typeof m.role === 'string' && m.role !== '')
        messages.push({ role: m.role, content: m.content as unknown });
  const settings: JsonObject = {};
  for (const key of KEPT_SETTINGS) if (parsed[key] !== undefined && parsed[key] !== null) settings[key] = parsed[key];
  const request: MessagesRequest = { messages, settings };
  if (typeof parsed.model === 'string' && parsed.model !== '') request.model = parsed.model;
  const system = systemText(parsed.system);
  if (system !== undefined) request.system_text = system;
  if (parsed.tools !== undefined && parsed.tools !== null) request.tools = parsed.tools;
  if (isPlainObject(parsed.metadata)) request.metadata = parsed.metadata;
  return request;
}
