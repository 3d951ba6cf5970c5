/**
 * @hypaware/codex: OpenAI Chat Completions / Responses and Codex capture (the
 * `codex-exchange` projector), the `openai` and `chatgpt` upstream presets, and the `codex`
 * client (`hyp codex attach | detach | status`).
 */
import type { AiGatewayApi, ClientRegistration } from '@hypaware/ai-gateway';
import type { ActivationContext } from '@hypaware/core';
import { attachCodex, codexStatus, detachCodex } from './codex-attach.js';
import { codexCommand, codexDiagnostics } from './codex-commands.js';
import { CHATGPT_PRESET, OPENAI_PRESET } from './presets.js';
import { createProjectors } from './projectors.js';

export function activate(ctx: ActivationContext): void {
  const api = ctx.requireCapability<AiGatewayApi>('hypaware.ai-gateway', '^2.0.0');
  api.registerUpstreamPreset(OPENAI_PRESET);
  api.registerUpstreamPreset(CHATGPT_PRESET);
  const plugin = { name: ctx.plugin.name, version: ctx.plugin.version, rootDir: ctx.plugin.rootDir };
  for (const projector of createProjectors({
    plugin,
    config: ctx.config,
    stateDir: ctx.paths.stateDir,
    env: ctx.env,
    log: ctx.log,
  }))
    api.registerExchangeProjector(projector);
  const client: ClientRegistration = {
    name: 'codex',
    defaultUpstream: 'openai',
    attach: (attach) => attachCodex(attach, ctx.env, api),
    detach: (detach) => detachCodex(detach, ctx.env, api),
    status: () => codexStatus(ctx.env, api),
  };
  api.registerClient(client);
  if (ctx.mode !== 'cli') return;
  ctx.registerCommand(codexCommand(api, client, ctx.env, ctx.paths.hypHome));
  ctx.registerDiagnostics(() => codexDiagnostics(api, ctx.env));
}
