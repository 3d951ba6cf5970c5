import { headerValue, type HeaderMap } from './wire/headers.js';

/**
 * Which traffic is Anthropic Messages traffic. Used by the upstream preset (routing) and the
 * projector (claiming captured exchanges). Paths are pathnames without the query string.
 */

/** `/v1/messages`, also behind a base-URL prefix (`/anthropic/v1/messages`). */
export function isMessagesPath(pathname: string): boolean {
  return pathname === '/v1/messages' || pathname.endsWith('/v1/messages');
}

/** `/v1/messages/count_tokens`, `/v1/messages/batches...`: Anthropic, but no conversation. */
function isMessagesSubPath(pathname: string): boolean {
  return pathname.includes('/v1/messages/');
}

/** Paths of the OpenAI family: never Anthropic, whatever headers they carry. */
function isOpenAiPath(pathname: string): boolean {
  return (
    /\/(chat\/completions|responses|completions|embeddings)(\/|$)/.test(pathname) ||
    pathname.startsWith('/backend-api/')
  );
}

/**
 * Headers only Anthropic clients send: `anthropic-version`, an `x-api-key`, or a
 * `Bearer sk-ant-` token (the captured header view keeps the scheme and key kind).
 */
export function hasAnthropicSignature(headers: HeaderMap | null | undefined): boolean {
  if (headerValue(headers, 'anthropic-version')) return true;
  if (headerValue(headers, 'x-api-key')) return true;
  const auth = headerValue(headers, 'authorization');
  return auth !== undefined && /^bearer\s+sk-ant-/i.test(auth);
}

export function isAnthropicTraffic(pathname: string, headers: HeaderMap | null | undefined): boolean {
  if (isMessagesPath(pathname) || isMessagesSubPath(pathname)) return true;
  return !isOpenAiPath(pathname) && hasAnthropicSignature(headers);
}

/** `/v1/models` exists in both APIs and carries no conversation: routed by signature, never projected. */
function isModelListing(pathname: string): boolean {
  return /\/v1\/models(\/|$)/.test(pathname);
}

/**
 * Exchanges the Claude projector claims: Anthropic traffic that can hold a conversation. Model
 * listings are left to the exchange table (no rows either way), so no other projector's
 * `/v1/models` claim overlaps this one.
 */
export function isAnthropicConversationTraffic(pathname: string, headers: HeaderMap | null | undefined): boolean {
  return isAnthropicTraffic(pathname, headers) && !isModelListing(pathname);
}
