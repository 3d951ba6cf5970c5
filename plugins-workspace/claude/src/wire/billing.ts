/**
 * How a Claude request is paid, from the credential kind the gateway shows projectors (the
 * secret itself is never visible): Claude Code signed in with a Pro/Max plan sends an OAuth
 * bearer token (`sk-ant-oat…`, with the `oauth-…` beta), an API key goes in `x-api-key` or as
 * `Bearer sk-ant-api…`. Anything else (a gateway's own token) is unknown.
 */
import { headerValue, type HeaderMap } from './headers.js';

export function claudeBilling(headers: HeaderMap | null | undefined): 'api' | 'subscription' | undefined {
  const auth = headerValue(headers, 'authorization') ?? '';
  const beta = headerValue(headers, 'anthropic-beta') ?? '';
  if (/^Bearer sk-ant-oat/i.test(auth) || /(^|,)\s*oauth-/.test(beta)) return 'subscription';
  if (headerValue(headers, 'x-api-key') !== undefined || /^Bearer sk-ant-api/i.test(auth)) return 'api';
  return undefined;
}
