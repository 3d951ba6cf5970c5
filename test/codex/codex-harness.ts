/**
 * A fake ActivationContext and AiGatewayApi for unit tests of @hypaware/codex: `activate()`
 * runs against them and the test gets what the plugin registered (presets, projector,
 * client, commands), plus builders for captured exchanges.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainStore } from '@hypaware/ai-gateway/internal/chains.js';
import { Writable } from 'node:stream';
import type {
  AiGatewayApi,
  CapturedSseEvent,
  ClientRegistration,
  ExchangeInput,
  ExchangeProjector,
  ProjectedExchange,
  ProjectedMessage,
  UpstreamPreset,
} from '@hypaware/ai-gateway';
import type { ActivationContext, CommandSpec, Diagnostic, KernelMode, LogFields } from '@hypaware/core';
import { refusedHistory, refusedServices } from '../../harness/refused-services.js';
import { activate } from '@hypaware/codex';

export interface LoggedLine {
  level: string;
  event: string;
  fields?: LogFields;
}

export interface Activated {
  /** the fake gateway capability (its chain registry is the real one) */
  api: AiGatewayApi;
  presets: UpstreamPreset[];
  projectors: ExchangeProjector[];
  clients: ClientRegistration[];
  commands: CommandSpec[];
  diagnostics: Array<() => Promise<Diagnostic[]> | Diagnostic[]>;
  required: Array<{ name: string; range?: string }>;
  logs: LoggedLine[];
  projector: ExchangeProjector;
  client: ClientRegistration;
  /** project one exchange the way the gateway would call the projector */
  project(exchange: ExchangeInput): ProjectedExchange | undefined;
}

export interface ActivateOptions {
  mode?: KernelMode;
  env?: NodeJS.ProcessEnv;
  /** what `localEndpoint()` answers; an Error is thrown instead */
  endpoint?: string | Error;
  /** the gateway state folder holding the chain registry (default: a new temp folder) */
  gatewayStateDir?: string;
}

export function activateCodex(options: ActivateOptions = {}): Activated {
  const got = {
    presets: [],
    projectors: [],
    clients: [],
    commands: [],
    diagnostics: [],
    required: [],
    logs: [],
  } as Omit<Activated, 'api' | 'projector' | 'client' | 'project'>;
  const log = Object.fromEntries(
    (['debug', 'info', 'warn', 'error'] as const).map((level) => [
      level,
      (event: string, fields?: LogFields) => {
        got.logs.push({ level, event, ...(fields ? { fields } : {}) });
      },
    ]),
  ) as unknown as ActivationContext['log'];
  const chains = new ChainStore(options.gatewayStateDir ?? mkdtempSync(join(tmpdir(), 'hyp-codex-gateway-')));
  const api: AiGatewayApi = {
    history: refusedHistory('codex'),
    chainUpstream: (endpoint, request, opts) => chains.chain(endpoint, request, opts?.dryRun === true),
    chainOf: (url) => chains.chainOf(url),
    unchainClient: (client) => {
      chains.removeClient(client);
    },
    openHistoryImport: () => {
      throw new Error('history import is not part of this harness');
    },
    routeOf: () => undefined,
    registerUpstreamPreset: (p) => {
      got.presets.push(p);
    },
    registerExchangeProjector: (p) => {
      got.projectors.push(p);
    },
    registerClient: (c) => {
      got.clients.push(c);
    },
    getClient: (name) => got.clients.find((c) => c.name === name),
    listClients: () => got.clients,
    reproject: () => Promise.reject(new Error('reproject is not part of this fake gateway')),
    localEndpoint: async () => {
      if (options.endpoint instanceof Error) throw options.endpoint;
      return options.endpoint ?? 'http://127.0.0.1:18521';
    },
  };
  const ctx = {
    plugin: {
      name: '@hypaware/codex',
      version: '2.0.0',
      manifest: { name: '@hypaware/codex', version: '2.0.0', main: 'dist/index.js', provides: {}, requires: {} },
      rootDir: '/nonexistent',
    },
    mode: options.mode ?? 'cli',
    config: {},
    configPath: '/nonexistent/hypaware-config.json',
    paths: {
      rootDir: '/nonexistent',
      stateDir: '/nonexistent/state',
      hypHome: '/nonexistent',
      stateRoot: '/nonexistent',
    },
    ...refusedServices('codex'),
    log,
    env: options.env ?? {},
    requireCapability: <T>(name: string, range?: string): T => {
      got.required.push({ name, ...(range ? { range } : {}) });
      return api as T;
    },
    registerCommand: (spec: CommandSpec) => {
      got.commands.push(spec);
    },
    registerDiagnostics: (provider: () => Promise<Diagnostic[]> | Diagnostic[]) => {
      got.diagnostics.push(provider);
    },
  } as ActivationContext;
  activate(ctx);
  const projector = got.projectors[0]!;
  return {
    ...got,
    api,
    projector,
    client: got.clients[0]!,
    project: (exchange) => {
      if (!projector.match(exchange)) return undefined;
      const out = projector.project(exchange, { log, attempt: 0 });
      if (out instanceof Promise) throw new Error('the codex projector is synchronous');
      return out;
    },
  };
}

let seq = 0;

/** A finished exchange as the gateway hands it to projectors. */
export function exchange(
  fields: Partial<ExchangeInput> & { body?: unknown; reply?: unknown; events?: CapturedSseEvent[] },
): ExchangeInput {
  const { body, reply, events, ...rest } = fields;
  const path = rest.path ?? rest.pathname ?? '/v1/responses';
  seq++;
  return {
    exchange_id: `ex-${seq}`,
    ts_start: '2026-01-02T03:04:05.000Z',
    ts_end: '2026-01-02T03:04:06.000Z',
    duration_ms: 1000,
    upstream: 'openai',
    provider: 'openai',
    method: 'POST',
    path,
    pathname: path.split('?')[0]!,
    status_code: 200,
    request_headers: { 'content-type': 'application/json' },
    response_headers: { 'content-type': events ? 'text/event-stream' : 'application/json' },
    request_body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    response_body: reply === undefined ? null : typeof reply === 'string' ? reply : JSON.stringify(reply),
    request_truncated: false,
    response_truncated: false,
    is_sse: events !== undefined,
    stream_events: events ?? [],
    error: null,
    aborted: false,
    metadata: {},
    ...rest,
  };
}

/** SSE events named by their `type` (Responses) or unnamed (Chat `data:` only). */
export function sse(payloads: Array<Record<string, unknown> | string>, named = true): CapturedSseEvent[] {
  return payloads.map((p) =>
    typeof p === 'string'
      ? { event: 'message', data: p }
      : { event: named && typeof p.type === 'string' ? p.type : 'message', data: JSON.stringify(p) },
  );
}

/** role + identity form of messages: what the gateway's fallback identity hashes. */
export function identityView(messages: ProjectedMessage[]): Array<{ role: string; content: unknown }> {
  return messages.map((m) => ({ role: m.role, content: m.identity ?? m.content }));
}

/** The identity form of a message (the frozen block shape the fallback id hashes), else its parts. */
export function identityOf(message: ProjectedMessage): unknown {
  return message.identity ?? message.content;
}

/** What `status.finish_reason` of the message's last row holds (undefined: none). */
export function recordedFinish(message: ProjectedMessage): string | undefined {
  return message.finish ? (message.finish.recorded_as ?? message.finish.reason) : undefined;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A stand-in for the gateway's fallback identity: hash(scope, role, canonical content,
 * previous id), dedupe by id. Returns the ids of the messages that would be new rows.
 */
export class FallbackIdentity {
  private readonly seen = new Set<string>();
  write(projection: ProjectedExchange): string[] {
    let previous = '';
    const fresh: string[] = [];
    for (const m of projection.messages) {
      const id = createHash('sha256')
        .update(canonical([projection.conversation_id, m.role, m.identity ?? m.content, previous]))
        .digest('hex')
        .slice(0, 16);
      if (!this.seen.has(id)) {
        this.seen.add(id);
        fresh.push(id);
      }
      previous = id;
    }
    return fresh;
  }
}

/** A writable that keeps what was written. */
export function capture(): Writable & { text(): string } {
  let text = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  }) as Writable & { text(): string };
  w.text = () => text;
  return w;
}
