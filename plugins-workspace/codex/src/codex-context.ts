/**
 * Who sent an exchange, as far as Codex tells: headers (`originator`, `user-agent`,
 * `session-id` / `thread-id` and their older spellings, `x-codex-window-id`,
 * `x-client-request-id`, `x-codex-turn-metadata`, `x-openai-subagent`,
 * `x-codex-parent-thread-id`), the body's `client_metadata` (which repeats the turn metadata
 * and carries the ids even where headers do not) and `prompt_cache_key`, and the
 * `<environment_context>` message Codex puts in the history (the recorded cwd).
 */
import type { ExchangeInput, ProjectedMessage } from '@hypaware/ai-gateway';
import { isPlainObject, type JsonObject } from '@hypaware/core';
import { partText } from './content-parts.js';
import { bool, compact, headerValue, num, parseJsonObject, str } from './json-values.js';

export interface CodexContext {
  session_id?: string;
  thread_id?: string;
  turn_id?: string;
  parent_thread_id?: string;
  is_subagent?: boolean;
  cwd?: string;
  client_version?: string;
  originator?: string;
  thread_source?: string;
  permission_mode?: string;
  client_request_id?: string;
  /** everything known, for `attributes.codex` */
  attributes: JsonObject;
}

const CODEX_PRODUCT = /^codex(\b|[-_\s])/i;
const ENV_CWD = /<environment_context>[\s\S]*?<cwd>([^<]*)<\/cwd>/;
const XML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };

export function isCodexNamespace(pathname: string): boolean {
  return pathname === '/backend-api/codex' || pathname.startsWith('/backend-api/codex/');
}

function userAgent(headers: ExchangeInput['request_headers']): { product?: string; version?: string } {
  const m = /^([^/\s]+)\/(\S+)/.exec(headerValue(headers, 'user-agent') ?? '');
  return m ? { product: m[1], version: m[2] } : {};
}

function turnMetadata(headers: ExchangeInput['request_headers'], clientMetadata: JsonObject): JsonObject {
  return (
    parseJsonObject(headerValue(headers, 'x-codex-turn-metadata')) ??
    parseJsonObject(str(clientMetadata['x-codex-turn-metadata'])) ??
    {}
  );
}

/** The cwd Codex recorded in the latest `<environment_context>` of the history. */
export function recordedCwd(history: ProjectedMessage[]): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const message = history[i]!;
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      const text = partText(part);
      const m = text !== undefined ? ENV_CWD.exec(text) : null;
      if (m) return m[1]!.trim().replace(/&(amp|lt|gt|quot|apos);/g, (e) => XML_ENTITIES[e]!);
    }
  }
  return undefined;
}

function absolute(path: string | undefined): string | undefined {
  return path && path.startsWith('/') ? path : undefined;
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** The workspace (git root) of `workspaces` that holds the cwd; the only one when the cwd is unknown. */
function selectWorkspace(workspaces: JsonObject, cwd: string | undefined): string | undefined {
  const roots = Object.keys(workspaces);
  if (cwd === undefined) return roots.length === 1 ? roots[0] : undefined;
  const target = trimSlash(cwd);
  return roots
    .filter((root) => {
      const r = trimSlash(root);
      return target === r || target.startsWith(r === '/' ? '/' : `${r}/`);
    })
    .sort((a, b) => b.length - a.length)[0];
}

/** Is this exchange from Codex (as opposed to any other OpenAI API client)? */
export function isCodexTraffic(exchange: ExchangeInput, body: JsonObject): boolean {
  const h = exchange.request_headers;
  const clientMetadata = isPlainObject(body.client_metadata) ? body.client_metadata : {};
  return (
    exchange.provider === 'chatgpt' ||
    isCodexNamespace(exchange.pathname) ||
    headerValue(h, 'x-codex-turn-metadata') !== undefined ||
    headerValue(h, 'x-codex-window-id') !== undefined ||
    CODEX_PRODUCT.test(headerValue(h, 'originator') ?? '') ||
    CODEX_PRODUCT.test(userAgent(h).product ?? '') ||
    str(clientMetadata.session_id) !== undefined ||
    str(clientMetadata.thread_id) !== undefined
  );
}

export function codexContext(exchange: ExchangeInput, body: JsonObject, history: ProjectedMessage[]): CodexContext {
  const h = exchange.request_headers;
  const cm = isPlainObject(body.client_metadata) ? body.client_metadata : {};
  const meta = turnMetadata(h, cm);
  const ua = userAgent(h);
  const header = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = headerValue(h, n);
      if (v !== undefined) return v;
    }
    return undefined;
  };

  const threadId =
    str(meta.thread_id) ?? str(cm.thread_id) ?? header('thread-id', 'thread_id', 'conversation_id', 'conversation-id');
  const sessionId =
    str(meta.session_id) ??
    str(cm.session_id) ??
    header('session-id', 'session_id') ??
    threadId ??
    str(body.prompt_cache_key);
  const parentThreadId = str(meta.parent_thread_id) ?? header('x-codex-parent-thread-id');
  const subagentKind = str(meta.subagent_kind) ?? header('x-openai-subagent');
  const threadSource = str(meta.thread_source);
  const metadata = isPlainObject(body.metadata) ? body.metadata : {};
  const cwd = absolute(recordedCwd(history)) ?? absolute(str(body.cwd)) ?? absolute(str(metadata.cwd));
  const workspaces = isPlainObject(meta.workspaces) ? meta.workspaces : {};
  const workspace = selectWorkspace(workspaces, cwd);
  const info = workspace !== undefined && isPlainObject(workspaces[workspace]) ? workspaces[workspace] : {};
  const remotes = isPlainObject(info.associated_remote_urls) ? info.associated_remote_urls : {};
  const originator = header('originator') ?? ua.product;
  const sandboxMode = str(meta.sandbox_mode);
  const sandbox = str(meta.sandbox);

  const attributes = compact({
    session_id: sessionId,
    thread_id: threadId,
    turn_id: str(meta.turn_id) ?? str(cm.turn_id),
    root_turn_id: str(meta.root_turn_id) ?? str(cm.root_turn_id),
    parent_thread_id: parentThreadId,
    forked_from_thread_id: str(meta.forked_from_thread_id),
    subagent_kind: subagentKind,
    agent_name: str(meta.agent_name),
    thread_source: threadSource,
    request_kind: str(meta.request_kind),
    turn_trigger: str(meta.turn_trigger),
    history_initialization: str(meta.history_initialization),
    sandbox,
    sandbox_mode: sandboxMode,
    originator,
    window_id: header('x-codex-window-id') ?? str(meta.window_id) ?? str(cm['x-codex-window-id']),
    context_window_id: str(meta.context_window_id),
    installation_id:
      str(meta.installation_id) ?? str(cm['x-codex-installation-id']) ?? header('x-codex-installation-id'),
    client_request_id: header('x-client-request-id'),
    beta_features: header('x-codex-beta-features'),
    turn_started_at_unix_ms: num(meta.turn_started_at_unix_ms),
    workspace,
    git_origin_url: str(remotes.origin),
    git_commit: str(info.latest_git_commit_hash),
    has_changes: bool(info.has_changes),
  }) as JsonObject;

  return compact({
    session_id: sessionId,
    thread_id: threadId,
    turn_id: str(attributes.turn_id),
    parent_thread_id: parentThreadId,
    is_subagent:
      threadSource !== undefined ? threadSource === 'subagent' : parentThreadId !== undefined ? true : undefined,
    cwd: cwd ?? workspace,
    client_version: ua.version,
    originator,
    thread_source: threadSource,
    permission_mode: sandboxMode ?? sandbox,
    client_request_id: str(attributes.client_request_id),
    attributes,
  });
}
