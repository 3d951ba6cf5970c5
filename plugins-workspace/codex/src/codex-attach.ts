/**
 * `hyp codex attach | detach | status`: point Codex at the gateway through a managed
 * `model_providers.hypaware` entry in `$CODEX_HOME/config.toml`, and undo it.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import type { AttachContext, ClientAttachState, DetachContext } from '@hypaware/ai-gateway';
import { HypError, errorMessage, writeFileAtomic } from '@hypaware/core';
import { attachText, ConfigEditError, detachText, readAttachment, type AttachmentState } from './config-toml-edit.js';
import { chooseRoute, codexFiles, ROUTE_PATHS, type CodexFiles, type CodexRoute } from './codex-home.js';

function readConfig(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HypError(`cannot read ${path}: ${errorMessage(err)}`);
  }
}

function editFailure(action: string, err: unknown): never {
  if (err instanceof ConfigEditError) throw new HypError(`cannot ${action} Codex: ${err.message}; nothing was changed`, { kind: `codex_config_${err.kind}` });
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

/** The gateway endpoint a managed base_url points at (the route path removed). */
function endpointOf(baseUrl: string | undefined): string | undefined {
  if (!baseUrl) return undefined;
  for (const path of Object.values(ROUTE_PATHS)) if (baseUrl.endsWith(path)) return baseUrl.slice(0, -path.length);
  return baseUrl;
}

function print(ctx: { json: boolean; stdout: NodeJS.WritableStream }, json: Record<string, unknown>, lines: string[]): void {
  ctx.stdout.write(ctx.json ? JSON.stringify(json, null, 2) + '\n' : lines.join('\n') + '\n');
}

export async function attachCodex(ctx: AttachContext, env: NodeJS.ProcessEnv): Promise<void> {
  const files = codexFiles(env);
  const current = readConfig(files.config);
  const { route, reason } = chooseRoute(files.auth);
  const baseUrl = providerBaseUrl(ctx.endpoint, route);
  let result;
  try {
    result = attachText(current ?? '', { name: 'HypAware', base_url: baseUrl }, files.config, current === undefined);
  } catch (err) {
    editFailure('attach', err);
  }
  const changed = result.changed;
  if (changed && !ctx.dryRun) write(files.config, result.text);
  const previous = result.previous_value;
  const verb = !changed ? 'Codex is already attached' : ctx.dryRun ? 'Codex would be attached (dry run, nothing written)' : 'Codex attached';
  print(ctx, {
    client: 'codex', action: 'attach', dry_run: ctx.dryRun, changed, config_path: files.config,
    route, route_reason: reason, endpoint: ctx.endpoint, base_url: baseUrl, previous_model_provider: previous ?? null,
  }, [
    `✓ ${verb}: ${files.config}`,
    `  model_provider = "hypaware"${previous !== undefined ? ` (was "${previous}"; hyp codex detach restores it)` : ''}`,
    `  base_url = ${baseUrl} (${reason})`,
  ]);
}

export async function detachCodex(ctx: DetachContext, env: NodeJS.ProcessEnv): Promise<void> {
  const files = codexFiles(env);
  const current = readConfig(files.config);
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
  }
  const restored = state.previous_value;
  print(ctx, {
    client: 'codex', action: 'detach', dry_run: ctx.dryRun, changed: result.changed, config_path: files.config,
    removed_base_url: state.base_url ?? null, restored_model_provider: restored ?? null, removed_file: result.changed && result.removable,
  }, result.changed
    ? [
      `✓ ${ctx.dryRun ? 'Codex would be detached (dry run, nothing written)' : 'Codex detached'}: ${files.config}`,
      ...(state.base_url ? [`  removed base_url = ${state.base_url}`] : []),
      restored !== undefined ? `  model_provider = "${restored}" restored` : '  model_provider removed (there was none before attach)',
    ]
    : [`Codex is not attached (${files.config} has no HypAware block); nothing to do`]);
}

export function attachmentOf(files: CodexFiles): ClientAttachState {
  const text = readConfig(files.config);
  if (text === undefined) return { attached: false, settings_path: files.config, detail: 'config.toml does not exist' };
  try {
    const state = readAttachment(text, files.config);
    const endpoint = endpointOf(state.base_url);
    return {
      attached: state.attached,
      ...(endpoint ? { endpoint } : {}),
      settings_path: files.config,
      ...(state.attached ? {} : { detail: 'no HypAware provider in config.toml' }),
    };
  } catch (err) {
    return { attached: false, settings_path: files.config, detail: errorMessage(err) };
  }
}

export async function codexStatus(env: NodeJS.ProcessEnv): Promise<ClientAttachState> {
  return attachmentOf(codexFiles(env));
}

