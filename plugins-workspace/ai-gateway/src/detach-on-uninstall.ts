/**
 * `hyp daemon uninstall` leaves no client pointing at a gateway that no longer runs: every
 * registered client that says it is attached (per `status()`) is detached. A client without
 * `status()` is asked to detach anyway (detach of an unattached client changes nothing).
 */
import { errorMessage, type ActivationContext, type UninstallIO } from '@hypaware/core';
import type { AiGatewayApi } from './api-types.js';

export async function detachAttachedClients(api: AiGatewayApi, io: UninstallIO): Promise<void> {
  const failures: string[] = [];
  let detached = 0;
  for (const client of api.listClients()) {
    try {
      if (client.status && !(await client.status()).attached) continue;
      await client.detach({ dryRun: io.dryRun, json: false, stdout: io.stdout, stderr: io.stderr });
      detached++;
    } catch (err) {
      failures.push(`${client.name}: ${errorMessage(err).split('\n')[0]}`);
    }
  }
  if (detached === 0 && failures.length === 0) io.stdout.write('no client is attached\n');
  if (failures.length > 0) throw new Error(`could not detach ${failures.join('; ')}`);
}

export function registerDetachOnUninstall(ctx: ActivationContext, api: AiGatewayApi): void {
  ctx.registerUninstallStep({ name: 'detach clients', run: (io) => detachAttachedClients(api, io) });
}
