/**
 * The `anthropic` upstream preset: Messages API traffic (`/v1/messages`, or an Anthropic
 * header signature) to the Anthropic API; Anthropic's error object for errors the gateway
 * answers itself; probes for the start-up overlap check; the credential headers.
 */
import type { ErrorShape, UpstreamPreset } from '@hypaware/ai-gateway';
import { isAnthropicTraffic } from './anthropic-route.js';

/** Anthropic's `{type: "error", error: {type, message}}`, for requests that speak the Messages API. */
export const ANTHROPIC_ERROR_SHAPE: ErrorShape = {
  recognizes: (route) =>
    route.path.startsWith('/v1/messages') ||
    route.path.startsWith('/v1/complete') ||
    Boolean(route.headers['anthropic-version'] || route.headers['x-api-key'] || route.headers['anthropic-beta']),
  body: ({ message }) => ({ type: 'error', error: { type: 'api_error', message } }),
};

export const ANTHROPIC_PRESET: UpstreamPreset = {
  name: 'anthropic',
  base_url: 'https://api.anthropic.com',
  provider: 'anthropic',
  path_prefix: '/v1/messages',
  priority: 100,
  match: (route) => isAnthropicTraffic(route.path, route.headers),
  probes: [
    // an API key client, and Claude Code with a subscription login
    { path: '/v1/messages', headers: { 'anthropic-version': ['2023-06-01'], 'x-api-key': ['sk-ant-api03-…'] } },
    {
      path: '/v1/messages/count_tokens',
      headers: {
        authorization: ['Bearer sk-ant-oat01-…'],
        'anthropic-version': ['2023-06-01'],
        'anthropic-beta': ['oauth-2025-04-20'],
        'x-app': ['cli'],
        'user-agent': ['claude-cli/2.0.0 (external, cli)'],
      },
    },
    { path: '/v1/complete' },
  ],
  error_shape: ANTHROPIC_ERROR_SHAPE,
  secret_headers: ['x-api-key', 'authorization'],
};
