/**
 * `hyp attach <client>` / `hyp detach <client>`: the generic form of each adapter's own
 * `hyp <client> attach|detach`, through the client registry of the capability.
 */
import type { ActivationContext, CommandIO } from '@hypaware/core';
import { HypError, UsageError, errorMessage } from '@hypaware/core';
import type { AiGatewayApi, ClientRegistration } from './api-types.js';

function clientNamed(api: AiGatewayApi, name: string): ClientRegistration {
  const client = api.getClient(name);
  if (client) return client;
  const known = api.listClients().map((c) => c.name);
  throw new UsageError(
    `unknown client ${JSON.stringify(name)} (known: ${known.join(', ') || 'none: enable the adapter plugin of your client'})`,
  );
}

interface ClientFlags {
  dryRun?: boolean;
  json?: boolean;
}

function registerClientCommand(
  ctx: ActivationContext,
  api: AiGatewayApi,
  name: string,
  description: string,
  run: (client: string, flags: ClientFlags, io: CommandIO) => Promise<void>,
): void {
  ctx.registerCommand({
    name,
    description,
    configure(command, io) {
      const known = api
        .listClients()
        .map((c) => c.name)
        .join(', ');
      command
        .argument('<client>', `client name (${known || 'none registered: enable the adapter plugin of your client'})`)
        .option('--dry-run', 'show what would change, write nothing')
        .option('--json', 'machine-readable output')
        .action((client: string, flags: ClientFlags) => run(client, flags, io));
    },
  });
}

export function registerClientCommands(ctx: ActivationContext, api: AiGatewayApi): void {
  registerClientCommand(ctx, api, 'attach', 'point a client at the running gateway', async (name, flags, io) => {
    const client = clientNamed(api, name);
    let endpoint: string;
    try {
      endpoint = await api.localEndpoint();
    } catch (err) {
      throw new HypError(`cannot attach ${name}: ${errorMessage(err)}`, { kind: 'gateway_not_running' });
    }
    await client.attach({
      endpoint,
      dryRun: Boolean(flags.dryRun),
      json: Boolean(flags.json),
      stdout: io.stdout,
      stderr: io.stderr,
    });
  });
  registerClientCommand(
    ctx,
    api,
    'detach',
    "undo `hyp attach <client>`, restoring the client's previous settings",
    async (name, flags, io) => {
      await clientNamed(api, name).detach({
        dryRun: Boolean(flags.dryRun),
        json: Boolean(flags.json),
        stdout: io.stdout,
        stderr: io.stderr,
      });
    },
  );
}
