import { join } from 'node:path';
import type { ActivationContext } from '@hypaware/core';
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import { createClaudeClient } from './attach/claude-client.js';
import { hookInvocation } from './attach/hook-command.js';
import { claudeConfigDir } from './attach/settings-file.js';
import { claudeDiagnostics, registerClaudeCommand } from './commands.js';
import { ANTHROPIC_PRESET } from './preset.js';
import { createProjectors } from './projectors.js';
import { STATE_FILE_NAME } from './session-context/record.js';

/** `@hypaware/claude`: the Anthropic preset, the Claude projector, the `claude` client; in the CLI its command and diagnostics. */
export function activate(ctx: ActivationContext): void {
  const api = ctx.requireCapability<AiGatewayApi>('hypaware.ai-gateway', '^2.0.0');
  const stateFile = join(ctx.paths.stateDir, STATE_FILE_NAME);
  api.registerUpstreamPreset(ANTHROPIC_PRESET);
  const plugin = { name: ctx.plugin.name, version: ctx.plugin.version, rootDir: ctx.plugin.rootDir };
  for (const projector of createProjectors({
    plugin,
    config: ctx.config,
    stateDir: ctx.paths.stateDir,
    env: ctx.env,
    log: ctx.log,
  }))
    api.registerExchangeProjector(projector);
  const client = createClaudeClient({
    env: ctx.env,
    version: ctx.plugin.version,
    stateFile,
    stateDir: ctx.paths.stateDir,
    hookInvocation: hookInvocation(ctx.env, ctx.plugin.rootDir),
    chains: api,
    presetBaseUrl: ANTHROPIC_PRESET.base_url,
  });
  api.registerClient(client);
  if (ctx.mode !== 'cli') return;
  registerClaudeCommand(ctx, api, client);
  ctx.registerDiagnostics(() => claudeDiagnostics(api, client));
}
