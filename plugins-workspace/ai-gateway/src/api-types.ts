/**
 * The `hypaware.ai-gateway` 2.0.0 capability contract. Adapter plugins import these
 * types (`import type { AiGatewayApi } from '@hypaware/ai-gateway'`) and get the value
 * with `ctx.requireCapability<AiGatewayApi>('hypaware.ai-gateway', '^2.0.0')`.
 */
import type { JsonObject, JsonValue, Logger, SqlDatabase } from '@hypaware/core';
import type { Overview, OverviewOptions } from './history/overview.js';
import type { TokenCounts } from './history/overview.js';
import type { Recipe } from './history/recipes.js';
import type { PriceRefresh } from './history/model-prices-table.js';

export const AI_GATEWAY_CAPABILITY = 'hypaware.ai-gateway';
export const AI_GATEWAY_VERSION = '2.0.0';

/** What a preset's `match()` sees: no body, lowercased header names, array values. */
export interface UpstreamRoute {
  method: string;
  /** pathname only, no query string */
  path: string;
  headers: Record<string, string[]>;
}

/** A request an adapter's clients send, for the start-up overlap check (method POST, no body). */
export interface TrafficProbe {
  /** pathname, e.g. `/v1/chat/completions` */
  path: string;
  /** lowercased names, array values; a secret as its kind view (`Bearer sk-…`), never a real key */
  headers?: Record<string, string[]>;
}

/** An error the gateway answers itself: no upstream takes the request, or the upstream failed. */
export interface GatewayError {
  /** 502 or 504 */
  status: number;
  /** `no_upstream_match`, `upstream_unreachable`, `upstream_timeout` */
  code: string;
  message: string;
}

/** How a protocol spells an error, so a client's SDK shows the gateway's message. */
export interface ErrorShape {
  /**
   * True when the request speaks this protocol. A request routed to the preset always gets its
   * shape; for one routed elsewhere without a shape, or taken by no upstream, presets are asked
   * in routing order and the first that recognizes it answers.
   */
  recognizes?(route: UpstreamRoute): boolean;
  /** The JSON body of the error in this protocol. */
  body(error: GatewayError): JsonValue;
}

export interface UpstreamPreset {
  /** unique across plugins; a config upstream of the same name replaces its base_url */
  name: string;
  /** http(s) origin, optionally with a path prefix that is kept when forwarding */
  base_url: string;
  /** provider tag projectors see on exchanges routed here */
  provider?: string;
  /** route requests whose pathname starts with this (either this or match() is required) */
  path_prefix?: string;
  /** routing order: higher first, then longer prefix, then registration order (default 0) */
  priority?: number;
  /** route requests this returns true for (headers, no body); a throw is a non-match */
  match?(route: UpstreamRoute): boolean;
  /**
   * Requests this preset's clients send. At start the gateway runs every probe path with every
   * probe's headers (and with none) through the routing table and the projectors, and reports
   * pairs that only registration order tells apart.
   */
  probes?: TrafficProbe[];
  /** Errors in this preset's protocol. Without one (or when it throws), a plain JSON error. */
  error_shape?: ErrorShape;
  /**
   * Header names whose values are credentials in this protocol: redacted like the gateway's
   * own list (which no preset or config can shorten), for every exchange.
   */
  secret_headers?: string[];
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

/*
 * The message vocabulary. An adapter maps its protocol onto these parts; each part is one row
 * of `ai_gateway_messages`. A part's `type` is the row's `part_type` (an `other` part's is its
 * `native_type`); `native_type` is the provider's own name for the part (`provider_subtype`).
 */

/** Where the bytes of an image or file part are. `content_text` gets a marker, never a base64 payload. */
export type MediaSource =
  | { type: 'base64'; media_type?: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'text'; media_type?: string; data: string }
  | { type: 'file'; file_id: string };

interface PartFields {
  /** the provider's name for the part: the `provider_subtype` column (default: `type`) */
  native_type?: string;
  /** who issued the part, when the provider says: the `caller_type` column */
  caller_type?: string;
  /** the part reports a failure: the `is_error` column (a tool result's `status.tool_status`) */
  is_error?: boolean;
}

/** Text said by the role. */
export interface TextPart extends PartFields {
  type: 'text';
  text: string;
}

/** The model's reasoning (or its summary); `signature` is the provider's integrity token. */
export interface ReasoningPart extends PartFields {
  type: 'reasoning';
  text?: string;
  signature?: string;
}

/** A tool the model calls; `input` is its arguments (JSON, or the text sent). */
export interface ToolCallPart extends PartFields {
  type: 'tool_call';
  call_id?: string;
  name?: string;
  input?: JsonValue;
}

/** What a tool returned to the call `call_id` (the gateway names the tool from that call). */
export interface ToolResultPart extends PartFields {
  type: 'tool_result';
  call_id?: string;
  content?: string | MessagePart[];
}

export interface ImagePart extends PartFields {
  type: 'image';
  source?: MediaSource;
}

export interface FilePart extends PartFields {
  type: 'file';
  source?: MediaSource;
}

/** A failure reported in place of a reply: `status.error_code` / `status.error_message`. */
export interface ErrorPart extends PartFields {
  type: 'error';
  code?: string;
  message?: string;
}

/** Anything else the provider sends, kept under its own name. */
export interface OtherPart extends PartFields {
  type: 'other';
  native_type: string;
  text?: string;
}

export type MessagePart =
  TextPart | ReasoningPart | ToolCallPart | ToolResultPart | ImagePart | FilePart | ErrorPart | OtherPart;
export type PartType = MessagePart['type'];

/** Why a model response ended. */
export type FinishReason = 'stop' | 'length' | 'tool_call' | 'pause' | 'refusal' | 'error' | 'other';

export interface MessageFinish {
  reason: FinishReason;
  /** the value `status.finish_reason` holds, when the adapter's rows spell it another way (default: `reason`) */
  recorded_as?: string;
}

/**
 * Columns for a provider's own record fields (ids and types from a client's local history,
 * for example). The gateway writes them as given and reads nothing into them; each adapter
 * documents what it puts there.
 */
export interface NativeColumns {
  provider_uuid?: string;
  parent_uuid?: string;
  logical_parent_uuid?: string;
  source_tool_assistant_uuid?: string;
  provider_type?: string;
  /** overrides the parts' `native_type` for every row of the message */
  provider_subtype?: string;
  attachment_type?: string;
  hook_event?: string;
  is_compact_summary?: boolean;
  compact_metadata?: JsonValue;
}

/** One message of a projection; row columns default to the exchange-level values. */
export interface ProjectedMessage {
  role: string;
  /** the message's parts in order, one row each; a string is one text part */
  content: string | MessagePart[];
  /**
   * What the fallback id hashes instead of `content` (its canonical JSON): the content in the
   * provider's own form, without fields that change from one re-send to the next. Give it
   * when ids must not depend on how parts are mapped.
   */
  identity?: JsonValue;
  /** Authoritative native id (e.g. a client's own message uuid). Never overridden by the gateway. */
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
  /** why the response ended: `status.finish_reason` of the last part (assistant messages) */
  finish?: MessageFinish;
  request_id?: string;
  prompt_id?: string;
  entrypoint?: string;
  user_type?: string;
  permission_mode?: string;
  is_sidechain?: boolean;
  agent_id?: string;
  parent_agent_id?: string;
  cwd?: string;
  git_branch?: string;
  native_columns?: NativeColumns;
  raw_frame?: JsonObject;
  attributes?: JsonObject;
}

export interface ProjectedExchange {
  provider: string;
  conversation_id: string;
  session_id?: string;
  agent_id?: string;
  parent_agent_id?: string;
  /** sub-agent type (Claude Code: `agentType` of the sub-agent's `.meta.json`) */
  agent_type?: string;
  /** the tool call of the parent agent that spawned this sub-agent (Claude Code: the Task/Agent `tool_use` id) */
  parent_tool_call_id?: string;
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
  /**
   * How this exchange is paid, when the adapter can tell from the credential: `api` (billed
   * per token), `subscription` (a plan such as Claude Max or ChatGPT: cost_usd is the API
   * equivalent, not money spent). Column `billing`; absent: unknown.
   */
  billing?: 'api' | 'subscription';
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

/** A stdio MCP server as clients' settings describe one: `hyp mcp serve` (see `hypMcpServerLaunch`). */
export interface McpServerLaunch {
  /** the key it is registered under (`hypaware`) */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface AttachContext {
  /** The running gateway's endpoint, e.g. `http://127.0.0.1:18521` (verified to be listening). */
  endpoint: string;
  /** `--mcp`: also register this MCP server with the client (absent: MCP settings are left alone). */
  mcp?: McpServerLaunch;
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
  /** the preset its traffic goes to when nothing is chained (for status and docs) */
  defaultUpstream: string;
  attach(ctx: AttachContext): Promise<void>;
  detach(ctx: DetachContext): Promise<void>;
  status?(): Promise<ClientAttachState>;
}

/** A user's own upstream that attach keeps behind the gateway (see `chainUpstream`). */
export interface ChainRequest {
  /** the client being attached (its registered name) */
  client: string;
  /** the upstream the client used before attach (an http(s) base URL) */
  base_url: string;
  /** provider tag projectors see (as a preset's `provider`) */
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

/** The captured history's figures, as `hyp query overview` computes them. */
export interface GatewayHistoryApi {
  /** The overview of `ai_gateway_messages` over a window of UTC days (throws HypError without the table). */
  overview(db: SqlDatabase, options?: OverviewOptions): Overview;
  /**
   * Estimated USD of one response's tokens, priced like the views' `cost_usd` (the price band of
   * `at.date`, default today, and of the context size); null when no price is known for a kind
   * with tokens. `at.provider`: the row's provider tag (default: found from the model name).
   */
  estimateCost(model: string | null, tokens: TokenCounts, at?: { provider?: string; date?: string }): number | null;
  /** The documented queries (docs/querying.md), for a query box. */
  recipes(): Recipe[];
  /** The views' `cost_usd` rule as SQL that runs in SQLite and PostgreSQL, for a copy of the views elsewhere. */
  readonly costSql: CostSql;
}

/**
 * The cost rule of `ai_responses.cost_usd` over a message row aliased `m` (`ai_gateway_messages`)
 * and a price band aliased `p` (`ai_model_prices`): `FROM … AS m LEFT JOIN … AS p ON <priceMatch>`
 * then `<costUsd>`. Portable SQL (CASE, COALESCE, comparisons), no table names.
 */
export interface CostSql {
  /** band `p` prices row `m`: provider, model, period of its date, tier of its context size */
  readonly priceMatch: string;
  /** USD of row `m` priced by `p`; NULL when there is no price (or none for a kind of token used) */
  readonly costUsd: string;
}

export interface AiGatewayApi {
  /** The history's figures (overview, prices) for plugins that show them. */
  readonly history: GatewayHistoryApi;
  /** Add an upstream the routing table knows (TypeError naming the field when invalid or taken). */
  registerUpstreamPreset(preset: UpstreamPreset): void;
  /** Add a projector in this process (status, reproject); live traffic runs the manifest's projector module. */
  registerExchangeProjector(projector: ExchangeProjector): void;
  /** Add a client `hyp attach|detach|status <name>` and `hyp daemon uninstall` act on. */
  registerClient(client: ClientRegistration): void;
  /** The client registered under this name. */
  getClient(name: string): ClientRegistration | undefined;
  /** Every registered client, in registration order. */
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
  /**
   * Write history read from a client's own files (transcripts, rollouts) in this process:
   * same rows, identity and `part_id` dedupe as live capture, no exchange, `attributes.gateway.origin = "file"`.
   */
  openHistoryImport(): HistoryImport;
  /**
   * Where the gateway routes this request now (config upstreams over presets, as this process
   * reads the config): the upstream's name and base URL, or undefined when nothing matches.
   */
  routeOf(route: UpstreamRoute): { name: string; base_url: string } | undefined;
}

/** One batch of history an adapter read from a client's own files (`AiGatewayApi.openHistoryImport`). */
export interface HistoryImportBatch {
  /** messages of one conversation in conversation order; `recheck_after_ms` is ignored */
  projection: ProjectedExchange;
  /** the file they were read from (`attributes.gateway.file` of the rows) */
  file: string;
  /** id of the message before the first one: continues the fallback id chain of an earlier batch */
  previousMessageId?: string;
  /** ISO time: messages created before it are identified (they keep the id chain) but not written */
  since?: string;
}

export interface HistoryImportResult {
  /** messages written now (at least one new row) */
  messages_written: number;
  /** messages already stored (live capture or an earlier import) */
  messages_present: number;
  /** messages older than `since` */
  messages_before_since: number;
  /** messages of a session under a `hyp privacy ignore` folder: not written */
  messages_ignored: number;
  rows_added: number;
  /** id of the batch's last message: `previousMessageId` of the next batch */
  last_message_id?: string;
}

/** Writes imported history into `ai_gateway_messages` with live capture's identity and dedupe. */
export interface HistoryImport {
  /** One transaction: rows with the live writer's shape, `part_id` dedupe, match_key settlement. */
  write(batch: HistoryImportBatch): HistoryImportResult;
  /**
   * Where an import of a conversation whose ids are a fallback chain starts: the previous id of
   * an earlier import's first message (so a re-import computes the same ids), else the root
   * message live capture stored (context the client sends but does not keep in its own file,
   * such as Codex's base instructions), else undefined (the first imported message is a root).
   */
  chainStart(conversationId: string): string | undefined;
  /**
   * After the last batch: price the provider/model pairs the import wrote in `ai_model_prices`
   * (config `prices` overrides first), so `cost_usd` of the imported responses is set now, not
   * at the daemon's next refresh. Undefined when nothing new was written.
   */
  refreshPrices(): PriceRefresh | undefined;
}
