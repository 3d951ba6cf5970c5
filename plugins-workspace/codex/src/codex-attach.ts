/**
 * `hyp codex attach | detach | status`: point the provider Codex uses at the gateway (its
 * URL only, never its id) in `$CODEX_HOME/config.toml`, and undo it. A user's own provider URL
 * stays the upstream, behind a chained route of the gateway.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import type { AiGatewayApi, AttachContext, ClientAttachState, DetachContext } from '@hypaware/ai-gateway';
import { HypError, errorMessage, writeFileAtomic } from '@hypaware/core';
import {
  attachText,
  BUILTIN_OPENAI,
  ConfigEditError,
  detachText,
  planAttach,
  readAttachment,
  type AttachmentState,
  type AttachPlan,
} from './config-toml-edit.js';
import { chooseRoute, codexFiles, ROUTE_PATHS, type CodexFiles, type CodexRoute } from './codex-home.js';
import { addMcpBlock, removeMcpBlock } from './codex-mcp.js';

function readConfig(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HypError(`cannot read ${path}: ${errorMessage(err)}`);
  }
}

function editFailure(action: string, err: unknown): never {
  if (err instanceof ConfigEditError)
    throw new HypError(`cannot ${action} Codex: ${err.message}; nothing was changed`, {
      kind: `codex_config_${err.kind}`,
    });
  throw err;
}

function write(path: string, text: string): void {
  try {
    writeFileAtomic(path, text);
  } catch (err) {
    throw new HypError(`cannot write ${path}: ${errorMessage(err)}`);
  }
}

/** `http://127.0.0.1:18521` + the route's path. */
export function providerBaseUrl(endpoint: string, route: CodexRoute): string {
  return endpoint.replace(/\/+$/, '') + ROUTE_PATHS[route];
}

/** The gateway endpoint a managed URL points at (the route or chain path removed). */
function endpointOf(baseUrl: string | undefined): string | undefined {
  if (!baseUrl) return undefined;
  try {
    return new URL(baseUrl).origin;
  } catch {
    return baseUrl;
  }
}

function print(
  ctx: { json: boolean; stdout: NodeJS.WritableStream },
  json: Record<string, unknown>,
  lines: string[],
): void {
  ctx.stdout.write(ctx.json ? JSON.stringify(json, null, 2) + '\n' : lines.join('\n') + '\n');
}

/** The chained-upstream part of the gateway capability that attach uses. */
export type Chains = Pick<AiGatewayApi, 'chainUpstream' | 'chainOf' | 'unchainClient'>;

/** Where the built-in provider's traffic goes by default, per route. */
const DEFAULT_UPSTREAMS: Record<CodexRoute, string> = {
  openai: 'https://api.openai.com/v1',
  chatgpt: 'https://chatgpt.com/backend-api/codex',
};

export async function attachCodex(ctx: AttachContext, env: NodeJS.ProcessEnv, chains: Chains): Promise<void> {
  const files = codexFiles(env);
  const current = readConfig(files.config);
  const { route, reason } = chooseRoute(files.auth);
  let plan: AttachPlan;
  try {
    plan = planAttach(detachText(current ?? '', files.config).text, files.config);
  } catch (err) {
    editFailure('attach', err);
  }
  const origin = `${files.config} ${plan.path.join('.')}`;
  let baseUrl = providerBaseUrl(ctx.endpoint, route);
  let upstream = plan.provider === BUILTIN_OPENAI ? DEFAULT_UPSTREAMS[route] : '';
  let chained = false;
  if (plan.current !== undefined) {
    let viaChain: string | undefined;
    try {
      viaChain = chains.chainUpstream(
        ctx.endpoint,
        { client: 'codex', base_url: plan.current, provider: 'openai', origin },
        { dryRun: ctx.dryRun },
      );
    } catch (err) {
      throw new HypError(`cannot attach Codex: ${errorMessage(err)} (from ${origin}); fix it, then attach again`, {
        kind: 'codex_base_url_invalid',
      });
    }
    if (viaChain !== undefined) {
      baseUrl = viaChain;
      upstream = chains.chainOf(plan.current)?.base_url ?? plan.current;
      chained = true;
    } else if (plan.provider !== BUILTIN_OPENAI) {
      throw new HypError(
        `cannot attach Codex: model_providers.${plan.provider}.base_url already points at this gateway without a route; set it back to your provider's URL, then attach again`,
        { kind: 'codex_base_url_invalid' },
      );
    }
  }
  let result;
  try {
    result = attachText(current ?? '', { path: plan.path, value: baseUrl }, files.config, current === undefined);
  } catch (err) {
    editFailure('attach', err);
  }
  const text = ctx.mcp ? addMcpBlock(result.text, ctx.mcp, files.config) : result.text;
  const changed = text !== (current ?? '');
  if (changed && !ctx.dryRun) write(files.config, text);
  const verb = !changed
    ? 'Codex is already attached'
    : ctx.dryRun
      ? 'Codex would be attached (dry run, nothing written)'
      : 'Codex attached';
  const key = plan.path.join('.');
  print(
    ctx,
    {
      client: 'codex',
      action: 'attach',
      dry_run: ctx.dryRun,
      changed,
      config_path: files.config,
      model_provider: plan.provider,
      key,
      base_url: baseUrl,
      endpoint: ctx.endpoint,
      upstream,
      chained,
      ...(plan.provider === BUILTIN_OPENAI ? { route, route_reason: reason } : {}),
      ...(ctx.mcp ? { mcp_server: ctx.mcp.name } : {}),
    },
    [
      `✓ ${verb}: ${files.config}`,
      `  model_provider stays "${plan.provider}" (threads resume across attach and detach)`,
      `  ${key} = ${baseUrl}${plan.provider === BUILTIN_OPENAI && !chained ? ` (${reason})` : ''}`,
      chained
        ? `  traffic goes on to your own upstream ${upstream}, with the credentials Codex sends it`
        : `  traffic goes on to ${upstream}`,
      ...(ctx.mcp
        ? [`  MCP server "${ctx.mcp.name}" (hyp mcp serve) registered as [mcp_servers.${ctx.mcp.name}]`]
        : []),
    ],
  );
}

export async function detachCodex(ctx: DetachContext, env: NodeJS.ProcessEnv, chains: Chains): Promise<void> {
  const files = codexFiles(env);
  const raw = readConfig(files.config);
  const mcp = raw === undefined ? { text: raw, changed: false } : removeMcpBlock(raw, files.config);
  const current = mcp.text;
  let state: AttachmentState = { attached: false };
  let result = { text: current ?? '', changed: false, removable: false };
  if (current !== undefined) {
    try {
      state = readAttachment(current, files.config);
      result = detachText(current, files.config);
    } catch (err) {
      editFailure('detach', err);
    }
  }
  if (result.changed && !ctx.dryRun) {
    if (result.removable) unlinkSync(files.config);
    else write(files.config, result.text);
    chains.unchainClient('codex');
  } else if (mcp.changed && !ctx.dryRun) write(files.config, current!);
  const restored = state.previous_line;
  const mcpLine = mcp.changed ? ['  removed the HypAware MCP server ([mcp_servers.hypaware])'] : [];
  print(
    ctx,
    {
      client: 'codex',
      action: 'detach',
      dry_run: ctx.dryRun,
      changed: result.changed,
      config_path: files.config,
      key: state.key ?? null,
      removed_base_url: state.base_url ?? null,
      restored_line: restored ?? null,
      ...(state.previous_value !== undefined ? { restored_model_provider: state.previous_value } : {}),
      removed_file: result.changed && result.removable,
      ...(mcp.changed ? { mcp_server_removed: true } : {}),
    },
    result.changed
      ? [
          `✓ ${ctx.dryRun ? 'Codex would be detached (dry run, nothing written)' : 'Codex detached'}: ${files.config}`,
          ...(state.base_url ? [`  removed ${state.key ?? 'base_url'} = ${state.base_url}`] : []),
          restored !== undefined
            ? `  restored: ${restored}`
            : `  ${state.key ?? 'the managed key'} removed (it was not set before attach)`,
          ...mcpLine,
        ]
      : [`Codex is not attached (${files.config} has no HypAware block); nothing to do`, ...mcpLine],
  );
}

export function attachmentOf(files: CodexFiles, chains?: Chains): ClientAttachState {
  const text = readConfig(files.config);
  if (text === undefined) return { attached: false, settings_path: files.config, detail: 'config.toml does not exist' };
  try {
    const state = readAttachment(text, files.config);
    const endpoint = endpointOf(state.base_url);
    const chain = state.base_url ? chains?.chainOf(state.base_url) : undefined;
    const upstream = chain
      ? `${chain.base_url} (your own upstream, chained)`
      : state.base_url
        ? DEFAULT_UPSTREAMS[state.base_url.endsWith(ROUTE_PATHS.chatgpt) ? 'chatgpt' : 'openai']
        : undefined;
    return {
      attached: state.attached,
      ...(endpoint ? { endpoint } : {}),
      ...(state.attached && upstream ? { upstream } : {}),
      settings_path: files.config,
      ...(state.attached ? {} : { detail: 'no HypAware block in config.toml' }),
    };
  } catch (err) {
    return { attached: false, settings_path: files.config, detail: errorMessage(err) };
  }
}

export async function codexStatus(env: NodeJS.ProcessEnv, chains: Chains): Promise<ClientAttachState> {
  return attachmentOf(codexFiles(env), chains);
}
