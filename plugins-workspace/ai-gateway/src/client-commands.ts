/**
 * `hyp attach <client>` / `hyp detach <client>`: the generic form of each adapter's own
 * `hyp <client> attach|detach`, through the client registry of the capability.
 */
import type { ActivationContext } from '@hypaware/core';
import { HypError, UsageError, errorMessage } from '@hypaware/core';
import type { AiGatewayApi, ClientRegistration } from './api-types.js';

function clientNamed(api: AiGatewayApi, name: string): ClientRegistration {
  const client = api.getClient(name);
  if (client) return client;
  const known = api.listClients().map((c) => c.name);
  throw new UsageError(`unknown client ${JSON.stringify(name)} (known: ${known.join(', ') || 'none: enable the claude or codex plugin'})`);
}

export function registerClientCommands(ctx: ActivationContext, api: AiGatewayApi): void {
  ctx.registerCommand({
    name: 'attach',
    description: 'point a client (claude, codex) at the running gateway',
    configure(command, io) {
      command
        .argument('<client>', 'client name, e.g. claude or codex')
        .option('--dry-run', 'show what would change, write nothing')
        .option('--json', 'machine-readable output')
        .action(async (name: string, opts: { dryRun?: boolean; json?: boolean }) => {
          const client = clientNamed(api, name);
          let endpoint: string;
          try {
            endpoint = await api.localEndpoint();
          } catch (err) {
            throw new HypError(`cannot attach ${name}: ${errorMessage(err)}`, { kind: 'gateway_not_running' });
          }
          await client.attach({ endpoint, dryRun: Boolean(opts.dryRun), json: Boolean(opts.json), stdout: io.stdout, stderr: io.stderr });
        });
    },
  });
  ctx.registerCommand({
    name: 'detach',
    description: 'undo `hyp attach <client>`, restoring the client\'s previous settings',
    configure(command, io) {
      command
        .argument('<client>', 'client name, e.g. claude or codex')
        .option('--dry-run', 'show what would change, write nothing')
        .option('--json', 'machine-readable output')
        .action(async (name: string, opts: { dryRun?: boolean; json?: boolean }) => {
          await clientNamed(api, name).detach({ dryRun: Boolean(opts.dryRun), json: Boolean(opts.json), stdout: io.stdout, stderr: io.stderr });
        });
    },
  });
}
