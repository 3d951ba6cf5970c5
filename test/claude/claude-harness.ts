/**
 * Test rig for @hypaware/claude: a fake ActivationContext and AiGatewayApi (activate() runs
 * against them), builders for captured Anthropic exchanges and SSE streams, a writer of
 * Claude Code transcripts shaped like what Claude Code 2.1.197 writes, and a model of the
 * gateway's identity rules (api-types.ts) to check the rows a sequence of projections leaves.
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type {
  AiGatewayApi,
  CapturedSseEvent,
  ClientRegistration,
  ExchangeInput,
  ExchangeProjector,
  MessageUsage,
  ProjectedExchange,
  ProjectedMessage,
  UpstreamPreset,
} from '@hypaware/ai-gateway';
import type { ActivationContext, CommandSpec, Diagnostic, KernelMode, LogFields } from '@hypaware/core';
import { activate } from '@hypaware/claude';
import { messageEvents, type ReplyBlock, type ReplyUsage } from '../../harness/fake-anthropic.js';
import { ChainStore } from '@hypaware/ai-gateway/internal/chains.js';
import { refusedHistory, refusedServices } from '../../harness/refused-services.js';
import { tempDir } from '../../harness/repo.js';

export type { ReplyBlock };

export interface LoggedLine {
  level: string;
  event: string;
  fields?: LogFields;
}

export interface ClaudeRig {
  /** the fake gateway capability (its chain registry is the real one) */
  api: AiGatewayApi;
  home: string;
  stateDir: string;
  stateFile: string;
  projectsDir: string;
  env: NodeJS.ProcessEnv;
  presets: UpstreamPreset[];
  projector: ExchangeProjector;
  client: ClientRegistration;
  clients: ClientRegistration[];
  commands: CommandSpec[];
  diagnostics: Array<() => Promise<Diagnostic[]> | Diagnostic[]>;
  required: Array<{ name: string; range?: string }>;
  logs: LoggedLine[];
  /** match + project, as the gateway calls a projector */
  project(exchange: ExchangeInput, attempt?: number): Promise<ProjectedExchange | undefined>;
}

export interface RigOptions {
  mode?: KernelMode;
  env?: NodeJS.ProcessEnv;
  /** what localEndpoint() answers; an Error is thrown instead */
  endpoint?: string | Error;
  /** where routeOf() says Messages traffic goes (default: the registered preset) */
  route?: { name: string; base_url: string };
  pluginRootDir?: string;
}

export function activateClaude(options: RigOptions = {}): ClaudeRig {
  const home = tempDir('hyp-claude-');
  const stateDir = join(home, 'hyp', 'hypaware', 'plugins', '@hypaware', 'claude');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = { HOME: home, ...options.env };
  const logs: LoggedLine[] = [];
  const presets: UpstreamPreset[] = [];
  const projectors: ExchangeProjector[] = [];
  const clients: ClientRegistration[] = [];
  const commands: CommandSpec[] = [];
  const diagnostics: ClaudeRig['diagnostics'] = [];
  const required: ClaudeRig['required'] = [];
  const log = Object.fromEntries(
    (['debug', 'info', 'warn', 'error'] as const).map((level) => [
      level,
      (event: string, fields?: LogFields) => {
        logs.push({ level, event, ...(fields ? { fields } : {}) });
      },
    ]),
  ) as unknown as ActivationContext['log'];
  // the real chain registry, in a gateway state folder of this temp home
  const gatewayStateDir = join(home, 'hyp', 'hypaware', 'plugins', '@hypaware', 'ai-gateway');
  mkdirSync(gatewayStateDir, { recursive: true, mode: 0o700 });
  const chains = new ChainStore(gatewayStateDir);
  const api: AiGatewayApi = {
    history: refusedHistory('claude'),
    chainUpstream: (endpoint, request, opts) => chains.chain(endpoint, request, opts?.dryRun === true),
    chainOf: (url) => chains.chainOf(url),
    unchainClient: (client) => {
      chains.removeClient(client);
    },
    openHistoryImport: () => {
      throw new Error('history import is not part of this harness');
    },
    // the fake gateway routes Messages traffic to the first registered preset, or to options.route
    routeOf: () => options.route ?? (presets[0] ? { name: presets[0].name, base_url: presets[0].base_url } : undefined),
    registerUpstreamPreset: (p) => {
      presets.push(p);
    },
    registerExchangeProjector: (p) => {
      projectors.push(p);
    },
    registerClient: (c) => {
      clients.push(c);
    },
    getClient: (name) => clients.find((c) => c.name === name),
    listClients: () => clients,
    reproject: () => Promise.reject(new Error('reproject is not part of this fake gateway')),
    localEndpoint: async () => {
      if (options.endpoint instanceof Error) throw options.endpoint;
      return options.endpoint ?? 'http://127.0.0.1:18521';
    },
  };
  const rootDir = options.pluginRootDir ?? '/opt/hyp/plugins-workspace/claude';
  const ctx = {
    plugin: {
      name: '@hypaware/claude',
      version: '2.0.0',
      manifest: { name: '@hypaware/claude', version: '2.0.0', main: 'dist/index.js', provides: {}, requires: {} },
      rootDir,
    },
    mode: options.mode ?? 'cli',
    config: {},
    configPath: join(home, 'hyp', 'hypaware-config.json'),
    paths: { rootDir, stateDir, hypHome: join(home, 'hyp'), stateRoot: join(home, 'hyp', 'hypaware') },
    ...refusedServices('claude'),
    log,
    env,
    requireCapability: <T>(name: string, range?: string): T => {
      required.push({ name, ...(range ? { range } : {}) });
      return api as T;
    },
    registerCommand: (spec: CommandSpec) => {
      commands.push(spec);
    },
    registerDiagnostics: (provider: () => Promise<Diagnostic[]> | Diagnostic[]) => {
      diagnostics.push(provider);
    },
  } as ActivationContext;
  void activate(ctx);
  const projector = projectors[0]!;
  return {
    api,
    home,
    stateDir,
    env,
    stateFile: join(stateDir, 'session-context.jsonl'),
    projectsDir: join(env.CLAUDE_CONFIG_DIR ?? join(home, '.claude'), 'projects'),
    presets,
    projector,
    client: clients[0]!,
    clients,
    commands,
    diagnostics,
    required,
    logs,
    project: async (exchange, attempt = 0) =>
      projector.match(exchange) ? projector.project(exchange, { log, attempt }) : undefined,
  };
}

export interface ClaudeCodeRequest {
  sessionId?: string;
  agentId?: string;
  version?: string;
  messages: Array<{ role: string; content: unknown }>;
  system?: unknown;
  metadataUserId?: unknown;
  model?: string;
}

/** Headers and body like Claude Code 2.1.197 sends (`/v1/messages?beta=true`). */
export function claudeCodeRequest(
  req: ClaudeCodeRequest,
): Pick<ExchangeInput, 'path' | 'pathname' | 'request_headers' | 'request_body'> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': `claude-cli/${req.version ?? '2.1.197'} (external, sdk-cli)`,
    'anthropic-version': '2023-06-01',
    'anthropic-beta': 'claude-code-20250219,context-1m-2025-08-07,interleaved-thinking-2025-05-14',
    'x-api-key': 'sk-ant-…',
    'x-app': 'cli',
  };
  if (req.sessionId) headers['x-claude-code-session-id'] = req.sessionId;
  if (req.agentId) headers['x-claude-code-agent-id'] = req.agentId;
  const body: Record<string, unknown> = {
    model: req.model ?? 'claude-opus-4-8',
    messages: req.messages,
    system: req.system ?? [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.197.0df;' },
      { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
    ],
    tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object' } }],
    max_tokens: 64000,
    thinking: { type: 'adaptive' },
    stream: true,
  };
  if (req.metadataUserId !== undefined || req.sessionId) {
    body.metadata = {
      user_id:
        req.metadataUserId ??
        JSON.stringify({ device_id: 'd'.repeat(64), account_uuid: '', session_id: req.sessionId }),
    };
  }
  return {
    path: '/v1/messages?beta=true',
    pathname: '/v1/messages',
    request_headers: headers,
    request_body: JSON.stringify(body),
  };
}

let exchangeSeq = 0;

/** A finished exchange as the gateway hands it to projectors (defaults: a 200 SSE reply). */
export function exchange(fields: Partial<ExchangeInput>): ExchangeInput {
  exchangeSeq++;
  return {
    exchange_id: `ex-${exchangeSeq}`,
    ts_start: '2026-11-24T09:00:00.000Z',
    ts_end: '2026-11-24T09:00:01.000Z',
    duration_ms: 1000,
    upstream: 'anthropic',
    provider: 'anthropic',
    method: 'POST',
    path: '/v1/messages',
    pathname: '/v1/messages',
    status_code: 200,
    request_headers: {},
    response_headers: { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': `req_${exchangeSeq}` },
    request_body: null,
    response_body: null,
    request_truncated: false,
    response_truncated: false,
    is_sse: true,
    stream_events: [],
    error: null,
    aborted: false,
    metadata: {},
    ...fields,
  };
}

export function events(...payloads: Array<Record<string, unknown>>): CapturedSseEvent[] {
  return payloads.map((p) => ({ event: String(p.type), data: JSON.stringify(p) }));
}

/** The SSE events Anthropic streams for a reply made of these blocks. */
export function replyEvents(
  id: string,
  blocks: ReplyBlock[],
  usage: ReplyUsage,
  stopReason = 'end_turn',
): CapturedSseEvent[] {
  return events(...messageEvents(id, 'claude-opus-4-8', blocks, { cacheRead: 0, cacheWrite: 0, ...usage }, stopReason));
}

export const SYSTEM_REMINDER = {
  type: 'text',
  text: "<system-reminder>\nToday's date is 2026-11-24.\n</system-reminder>\n\n",
};

/** A user turn as Claude Code sends it: the reminder block, then the prompt. */
export function wirePrompt(text: string): { role: string; content: unknown } {
  return { role: 'user', content: [SYSTEM_REMINDER, { type: 'text', text, cache_control: { type: 'ephemeral' } }] };
}

/**
 * Writes a Claude Code transcript the way 2.1.197 does: one line per assistant content block
 * (same message id and requestId), one per tool result, prompts as strings, attachment lines
 * between a prompt and the reply. `format: 'single-line'` writes older builds' one line per
 * assistant message.
 */
export class TranscriptWriter {
  readonly lines: Array<Record<string, unknown>> = [];
  last: string | null = null;

  constructor(
    readonly path: string,
    readonly sessionId: string,
    readonly cwd = '/work/repo',
    readonly gitBranch = 'main',
    readonly extra: Record<string, unknown> = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  private write(fields: Record<string, unknown>): string {
    const uuid = randomUUID();
    const line = {
      parentUuid: this.last,
      isSidechain: false,
      ...fields,
      uuid,
      timestamp: new Date(Date.UTC(2026, 10, 24, 9, 0, this.lines.length)).toISOString(),
      userType: 'external',
      entrypoint: 'sdk-cli',
      cwd: this.cwd,
      sessionId: this.sessionId,
      version: '2.1.197',
      gitBranch: this.gitBranch,
      ...this.extra,
    };
    this.lines.push(line);
    appendFileSync(this.path, JSON.stringify(line) + '\n');
    this.last = uuid;
    return uuid;
  }

  prompt(text: string): string {
    return this.write({
      promptId: randomUUID(),
      type: 'user',
      message: { role: 'user', content: text },
      permissionMode: 'default',
    });
  }

  attachment(type: string): string {
    return this.write({ attachment: { type }, type: 'attachment' });
  }

  assistant(
    messageId: string,
    requestId: string,
    blocks: ReplyBlock[],
    usage: MessageUsage,
    format: 'per-block' | 'single-line' = 'per-block',
  ): string[] {
    const message = (content: ReplyBlock[]) => ({
      id: messageId,
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-4-8',
      content,
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage,
    });
    if (format === 'single-line') return [this.write({ message: message(blocks), requestId, type: 'assistant' })];
    return blocks.map((b) => this.write({ message: message([b]), requestId, type: 'assistant' }));
  }

  toolResult(toolUseId: string, content: string, sourceAssistant: string): string {
    return this.write({
      type: 'user',
      message: { role: 'user', content: [{ tool_use_id: toolUseId, type: 'tool_result', content, is_error: false }] },
      toolUseResult: { stdout: content },
      sourceToolAssistantUUID: sourceAssistant,
    });
  }
}

/** Claude Code's transcript path for a session started in `cwd`. */
export function transcriptPath(projectsDir: string, cwd: string, sessionId: string): string {
  return join(projectsDir, cwd.replace(/[^A-Za-z0-9]/g, '-'), `${sessionId}.jsonl`);
}

export interface Row {
  id: string;
  native: boolean;
  message: ProjectedMessage;
  conversation: string;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => k !== 'cache_control')
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The gateway's identity contract (api-types.ts) as a table: a supplied message_id is
 * authoritative; otherwise a hash of conversation, role and canonical content; one row per
 * id; a native message with a match_key replaces the fallback rows with that key.
 */
export class IdentityTable {
  readonly rows = new Map<string, Row>();

  write(p: ProjectedExchange): void {
    for (const m of p.messages) {
      const native = typeof m.message_id === 'string';
      const content = m.identity ?? (typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content);
      const id = native
        ? m.message_id!
        : createHash('sha256')
            .update(canonical([p.conversation_id, m.role, content]))
            .digest('hex')
            .slice(0, 16);
      if (native && m.match_key) {
        for (const [rowId, row] of this.rows)
          if (!row.native && row.conversation === p.conversation_id && row.message.match_key === m.match_key)
            this.rows.delete(rowId);
      }
      if (!this.rows.has(id)) this.rows.set(id, { id, native, message: m, conversation: p.conversation_id });
    }
  }

  nativeIds(): string[] {
    return [...this.rows.values()].filter((r) => r.native).map((r) => r.id);
  }

  fallback(): Row[] {
    return [...this.rows.values()].filter((r) => !r.native);
  }

  totalUsage(): Required<
    Pick<MessageUsage, 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'>
  > {
    const t = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    for (const r of this.rows.values()) {
      const u = r.message.usage;
      if (!u) continue;
      t.input_tokens += u.input_tokens ?? 0;
      t.output_tokens += u.output_tokens ?? 0;
      t.cache_read_input_tokens += u.cache_read_input_tokens ?? 0;
      t.cache_creation_input_tokens += u.cache_creation_input_tokens ?? 0;
    }
    return t;
  }
}

/** A writable that keeps what was written. */
export function sink(): Writable & { text(): string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { text(): string };
  w.text = () => chunks.join('');
  return w;
}

/**
 * Send `claudeCodeRequest(req)` through a running gateway (test API key) and read the answer
 * to its end; returns the status. `target` replaces the request's path (query-string tests).
 */
export async function sendClaudeTurn(
  endpoint: string,
  req: ClaudeCodeRequest,
  options: { target?: string; apiKey?: string } = {},
): Promise<number> {
  const r = claudeCodeRequest(req);
  const res = await fetch(`${endpoint}${options.target ?? '/v1/messages'}`, {
    method: 'POST',
    headers: {
      ...(r.request_headers as Record<string, string>),
      'x-api-key': options.apiKey ?? 'sk-ant-api03-HYPTEST0000notARealKey',
    },
    body: r.request_body!,
  });
  await res.text();
  return res.status;
}
