/**
 * How an OpenAI request is paid: Codex signed in with ChatGPT talks to the ChatGPT backend
 * (provider `chatgpt`) with a `ChatGPT-Account-ID` header and a JWT; an API key is a
 * `Bearer sk-…`. Anything else (a gateway's own token) is unknown.
 */
import type { ExchangeInput } from '@hypaware/ai-gateway';
import { headerValue } from './json-values.js';

export function openAiBilling(exchange: ExchangeInput, provider: string): 'api' | 'subscription' | undefined {
  const h = exchange.request_headers;
  if (provider === 'chatgpt' || headerValue(h, 'chatgpt-account-id') !== undefined) return 'subscription';
  if (/^Bearer sk-/i.test(headerValue(h, 'authorization') ?? '')) return 'api';
  return undefined;
}
