import {
  MCP_SERVER_NAME,
  type AiGatewayApi,
  type AttachContext,
  type ClientAttachState,
  type ClientRegistration,
  type DetachContext,
} from '@hypaware/ai-gateway';
import { HypError, errorMessage } from '@hypaware/core';
import {
  applyAttach,
  applyDetach,
  isPublicAnthropicApi,
  readMarker,
  userBaseUrl,
  type AttachMarker,
} from './settings-edit.js';
import { SettingsBackups, sameSettings } from './settings-backup.js';
import { claudeSettingsPath, readSettings, renderJson, writeSettings } from './settings-file.js';
import { sessionContextHookCommand } from './hook-command.js';
import { registerMcpServer, removeMcpServer } from './mcp-registration.js';

export interface ClaudeClientOptions {
  env: NodeJS.ProcessEnv;
  version: string;
  /** the session-context file the hooks append to */
  stateFile: string;
  /** how hooks start `hyp claude-hook` (see hookInvocation) */
  hookInvocation: string;
  /** plugin state folder (settings backups) */
  stateDir: string;
  /** the gateway's chained upstreams (a user's own ANTHROPIC_BASE_URL is kept behind the gateway) */
  chains: Pick<AiGatewayApi, 'chainUpstream' | 'chainOf' | 'unchainClient' | 'routeOf'>;
  /** the Anthropic preset's base URL: where traffic goes when neither a chain nor a config upstream takes it */
  presetBaseUrl: string;
  now?: () => Date;
}

export interface UpstreamChoice {
  /** what ANTHROPIC_BASE_URL becomes */
  baseUrl: string;
  /** the user's own upstream kept behind the gateway, and where it was found */
  chained?: { base_url: string; origin: string };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}

export type ClaudeClient = ClientRegistration & { status(): Promise<ClientAttachState> };

/** The `claude` client: attach/detach Claude Code through its user settings.json. */
export function createClaudeClient(options: ClaudeClientOptions): ClaudeClient {
  const backups = new SettingsBackups(options.stateDir);
  const settingsPath = (): string => claudeSettingsPath(options.env);

  /**
   * Where Claude Code's traffic must go: a user's own ANTHROPIC_BASE_URL (settings.json `env`
   * before attach, else the environment attach runs in) stays its upstream, behind a chained
   * route; without one, the gateway's presets route it. A URL that is not http(s) is refused:
   * sending traffic (and the credentials meant for that URL) elsewhere would be worse.
   */
  function chooseUpstream(
    settings: Parameters<typeof userBaseUrl>[0],
    endpoint: string,
    dryRun: boolean,
  ): UpstreamChoice {
    const inFile = userBaseUrl(settings);
    const fromEnv = options.env.ANTHROPIC_BASE_URL;
    const [value, origin] = inFile.found
      ? [inFile.value, `${settingsPath()} env.ANTHROPIC_BASE_URL`]
      : [fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : undefined, 'the environment (ANTHROPIC_BASE_URL)'];
    if (value === undefined || value === null || value === '') return { baseUrl: endpoint };
    if (typeof value !== 'string')
      throw new HypError(
        `cannot attach Claude Code: ANTHROPIC_BASE_URL in ${origin} is not a string; fix or remove it, then attach again`,
        { kind: 'claude_base_url_invalid' },
      );
    let baseUrl: string | undefined;
    try {
      baseUrl = options.chains.chainUpstream(
        endpoint,
        { client: 'claude', base_url: value, provider: 'anthropic', origin },
        { dryRun },
      );
    } catch (err) {
      throw new HypError(
        `cannot attach Claude Code: ${errorMessage(err)} (from ${origin}); fix or remove it, then attach again`,
        { kind: 'claude_base_url_invalid' },
      );
    }
    return baseUrl === undefined
      ? { baseUrl: endpoint }
      : { baseUrl, chained: { base_url: options.chains.chainOf(value)?.base_url ?? value, origin } };
  }

  /** Where Messages traffic goes when nothing is chained: the gateway's route for it. */
  function routedUpstream(): { base_url: string; label: string } {
    const route = options.chains.routeOf({
      method: 'POST',
      path: '/v1/messages',
      headers: { 'anthropic-version': ['2023-06-01'] },
    });
    const base = route?.base_url ?? options.presetBaseUrl;
    return { base_url: base, label: route ? `${route.base_url} (${route.name} upstream)` : base };
  }

  async function attach(ctx: AttachContext): Promise<void> {
    const doc = readSettings(settingsPath());
    const hookCommand = sessionContextHookCommand(options.hookInvocation, options.stateFile);
    const before = readMarker(doc.data);
    const upstream = chooseUpstream(doc.data, ctx.endpoint, ctx.dryRun);
    const { settings, marker } = applyAttach(doc.data, {
      endpoint: ctx.endpoint,
      baseUrl: upstream.baseUrl,
      firstParty: upstream.chained === undefined && isPublicAnthropicApi(routedUpstream().base_url),
      stateFile: options.stateFile,
      hookCommand,
      version: options.version,
      now: (options.now?.() ?? new Date()).toISOString(),
    });
    const text = renderJson(settings, doc.style);
    const changed = text !== doc.text;
    if (!ctx.dryRun && changed) {
      if (!before) backups.save(doc.path, doc.text);
      writeSettings(doc, text);
    }
    const previousBaseUrl = marker.previous_env.ANTHROPIC_BASE_URL;
    const mcp = ctx.mcp ? registerMcpServer(options.env, ctx.mcp, ctx.dryRun) : undefined;
    if (ctx.json) {
      writeJson(ctx.stdout, {
        status: 'ok',
        action: 'attach',
        client: 'claude',
        dry_run: ctx.dryRun,
        settings_path: doc.path,
        changed,
        endpoint: ctx.endpoint,
        base_url: upstream.baseUrl,
        upstream: upstream.chained?.base_url ?? routedUpstream().label,
        chained: upstream.chained !== undefined,
        ...(upstream.chained ? { upstream_origin: upstream.chained.origin } : {}),
        state_file: options.stateFile,
        previous_env: marker.previous_env,
        ...(mcp ? { mcp_server: { name: ctx.mcp!.name, config_path: mcp.path, changed: mcp.changed } } : {}),
      });
      return;
    }
    const head = ctx.dryRun
      ? `(dry-run) Would attach Claude Code via ${doc.path}`
      : changed
        ? `✓ Claude Code attached (${doc.path})`
        : `✓ Claude Code already attached (${doc.path})`;
    const lines = [head, `  ANTHROPIC_BASE_URL = ${upstream.baseUrl}`];
    if (upstream.chained)
      lines.push(
        `  traffic goes on to your own upstream ${upstream.chained.base_url} (from ${upstream.chained.origin}), with your credentials as Claude Code sends them`,
      );
    else lines.push(`  traffic goes on to ${routedUpstream().label}`);
    if (previousBaseUrl !== undefined)
      lines.push(`  (previous ANTHROPIC_BASE_URL was ${describe(previousBaseUrl)}; detach restores it)`);
    lines.push(`  hooks record sessions to ${options.stateFile}`);
    if (mcp) lines.push(`  MCP server "${ctx.mcp!.name}" (hyp mcp serve) registered in ${mcp.path}`);
    ctx.stdout.write(lines.join('\n') + '\n');
  }

  async function detach(ctx: DetachContext): Promise<void> {
    const mcp = removeMcpServer(options.env, MCP_SERVER_NAME, ctx.dryRun);
    const mcpLine = mcp.changed ? [`  removed the MCP server "${MCP_SERVER_NAME}" from ${mcp.path}`] : [];
    const doc = readSettings(settingsPath());
    const undo = applyDetach(doc.data);
    if (!undo) {
      if (ctx.json)
        writeJson(ctx.stdout, {
          status: 'ok',
          action: 'detach',
          client: 'claude',
          dry_run: ctx.dryRun,
          settings_path: doc.path,
          changed: false,
          ...(mcp.changed ? { mcp_server_removed: true } : {}),
        });
      else ctx.stdout.write([`No HypAware attach marker in ${doc.path}; nothing to do.`, ...mcpLine].join('\n') + '\n');
      return;
    }
    const original = backups.load(doc.path);
    const verbatim = original !== undefined && sameSettings(original, undo.settings);
    const text = verbatim ? original : renderJson(undo.settings, doc.style);
    if (!ctx.dryRun) {
      writeSettings(doc, text);
      backups.remove(doc.path);
      options.chains.unchainClient('claude');
    }
    if (ctx.json) {
      writeJson(ctx.stdout, {
        status: 'ok',
        action: 'detach',
        client: 'claude',
        dry_run: ctx.dryRun,
        settings_path: doc.path,
        changed: true,
        restored: undo.restored,
        kept: undo.kept,
        original_bytes_restored: verbatim,
        ...(mcp.changed ? { mcp_server_removed: true } : {}),
      });
      return;
    }
    const lines = [
      ctx.dryRun ? `(dry-run) Would detach Claude Code from ${doc.path}` : `✓ Claude Code detached (${doc.path})`,
    ];
    for (const [key, value] of Object.entries(undo.restored)) {
      lines.push(value === null ? `  removed ${key}` : `  restored ${key} = ${describe(value)}`);
    }
    for (const key of undo.kept) lines.push(`  warning: ${key} was changed after attach; left as it is`);
    lines.push(...mcpLine);
    ctx.stdout.write(lines.join('\n') + '\n');
  }

  async function status(): Promise<ClientAttachState> {
    const path = settingsPath();
    let marker: AttachMarker | undefined;
    let baseUrl: unknown;
    try {
      const doc = readSettings(path);
      marker = readMarker(doc.data);
      baseUrl = (doc.data.env as Record<string, unknown> | undefined)?.ANTHROPIC_BASE_URL;
    } catch (err) {
      return { attached: false, settings_path: path, detail: (err as Error).message };
    }
    if (!marker) return { attached: false, settings_path: path };
    const written = marker.managed_env.ANTHROPIC_BASE_URL ?? marker.endpoint;
    const chain = typeof written === 'string' ? options.chains.chainOf(written) : undefined;
    const state: ClientAttachState = {
      attached: true,
      endpoint: marker.endpoint,
      settings_path: path,
      upstream: chain ? `${chain.base_url} (your own upstream, chained)` : routedUpstream().label,
    };
    if (baseUrl !== written)
      state.detail = `ANTHROPIC_BASE_URL is ${describe(baseUrl ?? 'unset')}, not the attached ${written}`;
    return state;
  }

  return { name: 'claude', defaultUpstream: 'anthropic', attach, detach, status };
}
