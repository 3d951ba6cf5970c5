/**
 * The `hypaware.ai-gateway` 2.0.0 capability contract. Adapter plugins import these
 * types (`import type { AiGatewayApi } from '@hypaware/ai-gateway'`) and get the value
 * with `ctx.requireCapability<AiGatewayApi>('hypaware.ai-gateway', '^2.0.0')`.
 */
import type { JsonObject, JsonValue, Logger } from '@hypaware/core';

export const AI_GATEWAY_CAPABILITY = 'hypaware.ai-gateway';
export const AI_GATEWAY_VERSION = '2.0.0';

/** What a preset's `match()` sees: no body, lowercased header names, array values. */
export interface UpstreamRoute {
  method: string;
  /** pathname only, no query string */
  path: string;
  headers: Record<string, string[]>;
}

export interface UpstreamPreset {
  name: string;
  base_url: string;
  provider?: string;
  path_prefix?: string;
  priority?: number;
  match?(route: UpstreamRoute): boolean;
}

/** One parsed server-sent event of a captured response. */
export interface CapturedSseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * What a projector sees of a finished exchange. Header values of secrets are replaced by a
 * view that keeps their scheme and kind (`Bearer sk-ant-…`, `sk-proj-…`), never the secret.
 */
export interface ExchangeInput {
  exchange_id: string;
  ts_start: string;
  ts_end: string;
  duration_ms: number;
  upstream: string | null;
  provider: string | null;
  method: string;
  /** raw request target including the query string */
  path: string;
  /** path without the query string */
  pathname: string;
  status_code: number | null;
  request_headers: Record<string, string | string[]>;
  response_headers: Record<string, string | string[]> | null;
  /** UTF-8 request body (possibly truncated, see `request_truncated`), null if empty */
  request_body: string | null;
  /** decoded (decompressed) UTF-8 response body for non-SSE responses, null if empty or SSE */
  response_body: string | null;
  request_truncated: boolean;
  response_truncated: boolean;
  is_sse: boolean;
  /** parsed events of an SSE response, in arrival order (includes a final event without blank line) */
  stream_events: CapturedSseEvent[];
  error: string | null;
  /** true when the client went away before the response ended */
  aborted: boolean;
  metadata: { dev_run_id?: string };
}

/** Usage of one model response; put it on the message that carries it (one per response). */
export interface MessageUsage {
  /** input tokens NOT served from / written to cache */
  input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  output_tokens?: number;
  reasoning_tokens?: number;
}

export type ContentBlock = { type?: string; [key: string]: JsonValue | undefined };

/** Per-message overrides of row columns (all optional). */
export interface ProjectedMessage {
  role: string;
  content: string | ContentBlock[];
  /** Authoritative native id (e.g. a Claude transcript uuid). Never overridden by the gateway. */
  message_id?: string;
  /** `[]` marks a root; kept as supplied. */
  previous_message_id?: string[];
  message_created_at?: string;
  /**
   * Stable key for the same logical message before and after its native id is known.
   * A fallback-identity row written with a match_key is replaced (its rows deleted) when a
   * row with a supplied message_id and the same match_key (same conversation) is written later.
   */
  match_key?: string;
  /** Usage carried by this message: written on its last part only. */
  usage?: MessageUsage;
  provider_uuid?: string;
  parent_uuid?: string;
  logical_parent_uuid?: string;
  source_tool_assistant_uuid?: string;
  request_id?: string;
  prompt_id?: string;
  provider_type?: string;
  provider_subtype?: string;
  entrypoint?: string;
  user_type?: string;
  permission_mode?: string;
  is_sidechain?: boolean;
  agent_id?: string;
  parent_agent_id?: string;
  attachment_type?: string;
  hook_event?: string;
  is_compact_summary?: boolean;
  compact_metadata?: JsonValue;
  cwd?: string;
  git_branch?: string;
  /** maps to status.finish_reason on the last part of an assistant message */
  stop_reason?: string;
  raw_frame?: JsonObject;
  attributes?: JsonObject;
}

export interface ProjectedExchange {
  provider: string;
  conversation_id: string;
  session_id?: string;
  agent_id?: string;
  parent_agent_id?: string;
  conversation_started_at?: string;
  conversation_source?: string;
  user_id?: string;
  cwd?: string;
  git_branch?: string;
  client_name?: string;
  client_version?: string;
  entrypoint?: string;
  user_type?: string;
  permission_mode?: string;
  is_sidechain?: boolean;
  model?: string;
  system_text?: string;
  tools?: JsonValue;
  request_id?: string;
  prompt_id?: string;
  attributes?: JsonObject;
  messages: ProjectedMessage[];
  /**
   * Ask the gateway to project this exchange again after this many ms (for example because
   * a transcript that gives native ids is written after the response ends). Re-projection is
   * idempotent (part_id dedupe + match_key settlement). The gateway caps attempts.
   */
  recheck_after_ms?: number;
}

export interface ProjectorContext {
  log: Logger;
  /** 0 for the first projection of an exchange, then 1, 2... for rechecks and `hyp reproject`. */
  attempt: number;
}

export interface ExchangeProjector {
  name: string;
  priority?: number;
  match(exchange: ExchangeInput): boolean;
  project(
    exchange: ExchangeInput,
    ctx: ProjectorContext,
  ): ProjectedExchange | undefined | Promise<ProjectedExchange | undefined>;
}

export interface AttachContext {
  /** The running gateway's endpoint, e.g. `http://127.0.0.1:18521` (verified to be listening). */
  endpoint: string;
  dryRun: boolean;
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface DetachContext {
  dryRun: boolean;
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface ClientAttachState {
  attached: boolean;
  /** endpoint recorded by the attach marker, if attached */
  endpoint?: string;
  /** where the client's traffic goes through the gateway (a chained upstream, or the preset's base URL) */
  upstream?: string;
  /** file that holds the client's settings */
  settings_path: string;
  detail?: string;
}

export interface ClientRegistration {
  name: string;
  defaultUpstream: string;
  attach(ctx: AttachContext): Promise<void>;
  detach(ctx: DetachContext): Promise<void>;
  status?(): Promise<ClientAttachState>;
}

/** A user's own upstream that attach keeps behind the gateway (see `chainUpstream`). */
export interface ChainRequest {
  /** the client being attached, e.g. `claude` */
  client: string;
  /** the upstream the client used before attach (an http(s) base URL) */
  base_url: string;
  /** provider tag projectors see (`anthropic`, `openai`) */
  provider?: string;
  /** where attach found it, shown by `hyp status` */
  origin?: string;
}

export interface ChainedUpstream {
  name: string;
  base_url: string;
  client: string;
  provider?: string;
  origin?: string;
}

export interface LocalEndpointOptions {
  pathPrefix?: string;
}

export interface ReprojectOptions {
  /** first UTC date (YYYY-MM-DD) of `ts_start` to read; default every stored exchange */
  since?: string;
  /** project and count, write nothing */
  dryRun?: boolean;
  onProgress?(progress: { exchanges_read: number; exchanges_total: number }): void;
}

export interface ReprojectResult {
  exchanges_read: number;
  /** rows that were not in the table (would be, in a dry run) */
  rows_added: number;
  exchanges_with_new_rows: number;
  /** exchanges that gave no projection, by reason */
  skipped: Record<string, number>;
}

export interface AiGatewayApi {
  registerUpstreamPreset(preset: UpstreamPreset): void;
  registerExchangeProjector(projector: ExchangeProjector): void;
  registerClient(client: ClientRegistration): void;
  getClient(name: string): ClientRegistration | undefined;
  listClients(): ClientRegistration[];
  /**
   * `http://host:port[/prefix]` of the gateway. In the daemon: the bound listener. In other
   * processes (CLI): the running daemon's listener, verified by a TCP connect. Throws an Error
   * with a clear message when no gateway is running.
   */
  localEndpoint(opts?: LocalEndpointOptions): Promise<string>;
  /**
   * Re-run the projectors registered in this process over the stored raw exchanges
   * (`hyp reproject`); existing part_ids are kept, missing rows added. Idempotent.
   */
  reproject(options?: ReprojectOptions): Promise<ReprojectResult>;
  /**
   * Keep a user's own upstream behind the gateway: registers `base_url` as a chained route and
   * returns the base URL the client must use instead (`<endpoint>/chain/<name>`); the gateway
   * forwards everything under it to `base_url` with the client's headers unchanged. Returns
   * undefined when `base_url` is this gateway itself (nothing to chain: the presets route it);
   * a URL of one of this gateway's chains is re-based on `endpoint`. Throws TypeError for a URL
   * that is not http(s), or a chain this gateway does not know. `dryRun`: register nothing.
   */
  chainUpstream(endpoint: string, request: ChainRequest, options?: { dryRun?: boolean }): string | undefined;
  /** The chained upstream a client base URL names (`…/chain/<name>`), if it is one of this gateway's. */
  chainOf(url: string): ChainedUpstream | undefined;
  /** Forget the chained upstreams of one client (detach). */
  unchainClient(client: string): void;
}
