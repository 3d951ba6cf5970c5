/**
 * The upstream presets of `@hypaware/codex`: the OpenAI API (`/v1`) and the ChatGPT backend
 * Codex uses with a ChatGPT login (`/backend-api/codex`). Both answer gateway-made errors
 * with OpenAI's error object, and name their credential headers.
 */
import type { ErrorShape, UpstreamPreset } from '@hypaware/ai-gateway';

/**
 * OpenAI's `{error: {message, type, code}}`: the shape most JSON APIs and their SDKs read, so
 * it answers every request no earlier preset (in routing order) recognizes.
 */
export const OPENAI_ERROR_SHAPE: ErrorShape = {
  recognizes: () => true,
  body: ({ code, message }) => ({ error: { message, type: 'api_error', code } }),
};

export const OPENAI_PRESET: UpstreamPreset = {
  name: 'openai',
  base_url: 'https://api.openai.com',
  path_prefix: '/v1',
  provider: 'openai',
  probes: [
    {
      path: '/v1/chat/completions',
      headers: {
        authorization: ['Bearer sk-proj-…'],
        'user-agent': ['codex_cli_rs/0.50.0'],
        originator: ['codex_cli_rs'],
      },
    },
    { path: '/v1/responses' },
    { path: '/v1/completions' },
    { path: '/v1/embeddings' },
    { path: '/v1/models' },
    // a custom provider's base_url may carry no /v1
    { path: '/responses' },
    { path: '/chat/completions' },
  ],
  error_shape: OPENAI_ERROR_SHAPE,
  secret_headers: ['authorization'],
};

export const CHATGPT_PRESET: UpstreamPreset = {
  name: 'chatgpt',
  base_url: 'https://chatgpt.com',
  path_prefix: '/backend-api/codex',
  provider: 'chatgpt',
  probes: [
    {
      path: '/backend-api/codex/responses',
      headers: {
        authorization: ['Bearer eyJ…'],
        'chatgpt-account-id': ['…'],
        originator: ['codex_cli_rs'],
        'openai-beta': ['responses=experimental'],
      },
    },
  ],
  error_shape: OPENAI_ERROR_SHAPE,
  secret_headers: ['authorization', 'chatgpt-account-id'],
};
