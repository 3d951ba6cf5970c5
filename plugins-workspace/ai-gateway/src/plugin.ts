/**
 * activate(): the capability in every mode, datasets and the history's views, diagnostics, the
 * source in the daemon; in the CLI `hyp attach|detach <client>`, `hyp reproject`,
 * `hyp privacy`, `hyp query overview`, the `capture` section of `hyp status` and the uninstall step that
 * detaches clients.
 */
import type { ActivationContext } from '@hypaware/core';
import { AI_GATEWAY_CAPABILITY, AI_GATEWAY_VERSION } from './api-types.js';
import { parseGatewayConfig } from './config.js';
import { exchangesDataset, messagesDataset, provisionalDataset } from './datasets.js';
import { createGatewayApi } from './gateway-api.js';
import { gatewayDiagnostics } from './gateway-diagnostics.js';
import { attachedClientsDown } from './client-diagnostics.js';
import { createGatewayState } from './gateway-state.js';
import { runningGatewayEndpoint } from './listener-file.js';
import { registerClientCommands } from './client-commands.js';
import { registerReprojectCommand } from './reproject-command.js';
import { registerDetachOnUninstall } from './detach-on-uninstall.js';
import { GATEWAY_SOURCE_NAME } from './gateway-paths.js';
import { registerHistory } from './history/register.js';
import { registerPrivacyCommands } from './privacy/privacy-commands.js';

export function activate(ctx: ActivationContext): void {
  const state = createGatewayState(ctx);
  const api = createGatewayApi(state, {
    runningEndpoint: (prefix) => runningGatewayEndpoint(ctx.paths.stateDir, prefix),
  });
  ctx.provideCapability(AI_GATEWAY_CAPABILITY, AI_GATEWAY_VERSION, api);
  ctx.registerDataset(messagesDataset);
  ctx.registerDataset(exchangesDataset);
  ctx.registerDataset(provisionalDataset);
  state.modelsWritten = registerHistory(ctx, api);
  ctx.registerDiagnostics(() => gatewayDiagnostics(state, parseGatewayConfig(ctx.config)));
  ctx.registerDiagnostics(() => attachedClientsDown(api.listClients()));
  // the proxy (and undici) is loaded only when the daemon starts the source: `hyp` commands start faster
  if (ctx.mode === 'daemon')
    ctx.registerSource({
      name: GATEWAY_SOURCE_NAME,
      start: async () => (await import('./gateway-source.js')).startGateway(state),
    });
  if (ctx.mode === 'cli') {
    registerClientCommands(ctx, api);
    registerReprojectCommand(ctx, api);
    registerDetachOnUninstall(ctx, api);
    registerPrivacyCommands(ctx);
  }
}
