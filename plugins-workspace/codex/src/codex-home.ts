/** Where Codex keeps its files, and which upstream route its login needs. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isPlainObject } from '@hypaware/core';
import { parseJsonObject, str } from './json-values.js';

export interface CodexFiles {
  home: string;
  config: string;
  auth: string;
}

/** `$CODEX_HOME`, else `~/.codex` (HOME from the given environment). */
export function codexFiles(env: NodeJS.ProcessEnv): CodexFiles {
  const home = str(env.CODEX_HOME) ? resolve(env.CODEX_HOME!) : join(str(env.HOME) ?? homedir(), '.codex');
  return { home, config: join(home, 'config.toml'), auth: join(home, 'auth.json') };
}

export type CodexRoute = 'openai' | 'chatgpt';

export interface RouteChoice {
  route: CodexRoute;
  /** why, in words, for the attach output */
  reason: string;
}

/** The gateway path Codex must call for each route (Codex appends `/responses`). */
export const ROUTE_PATHS: Record<CodexRoute, string> = { openai: '/v1', chatgpt: '/backend-api/codex' };

/**
 * A ChatGPT login talks to chatgpt.com/backend-api/codex, an API key to api.openai.com/v1.
 * `auth_mode` says which; files without it (some Codex versions) are judged by shape:
 * OAuth tokens and no API key means a ChatGPT login.
 */
export function chooseRoute(authPath: string): RouteChoice {
  let text: string;
  try {
    text = readFileSync(authPath, 'utf8');
  } catch {
    return { route: 'openai', reason: 'no auth.json: OpenAI API route' };
  }
  const auth = parseJsonObject(text);
  if (!auth) return { route: 'openai', reason: 'auth.json is not a JSON object: OpenAI API route' };
  const mode = str(auth.auth_mode);
  if (mode) {
    return mode.toLowerCase().startsWith('chatgpt')
      ? { route: 'chatgpt', reason: `auth.json auth_mode "${mode}": ChatGPT route` }
      : { route: 'openai', reason: `auth.json auth_mode "${mode}": OpenAI API route` };
  }
  const tokens = isPlainObject(auth.tokens) ? auth.tokens : undefined;
  const hasTokens =
    tokens !== undefined &&
    (str(tokens.access_token) ?? str(tokens.id_token) ?? str(tokens.refresh_token)) !== undefined;
  if (hasTokens && !str(auth.OPENAI_API_KEY))
    return { route: 'chatgpt', reason: 'auth.json holds a ChatGPT login (tokens, no API key): ChatGPT route' };
  return { route: 'openai', reason: 'auth.json holds an API key: OpenAI API route' };
}
