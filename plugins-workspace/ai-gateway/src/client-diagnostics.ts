/**
 * `hyp status`: a client that is attached while nothing answers at the endpoint it points at
 * (the daemon stopped, crashed, or was never started after a reboot): every request of that
 * client fails until the gateway runs again, or until the client is detached.
 */
import type { Diagnostic } from '@hypaware/core';
import type { ClientRegistration } from './api-types.js';
import { canConnect } from './listener-file.js';

const STATUS_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** host and port of an endpoint URL, or undefined when it is not one. */
function hostPort(endpoint: string): { host: string; port: number } | undefined {
  try {
    const url = new URL(endpoint);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}

export async function attachedClientsDown(clients: ClientRegistration[]): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const client of clients) {
    if (typeof client.status !== 'function') continue;
    let state;
    try {
      state = await withTimeout(client.status(), STATUS_TIMEOUT_MS);
    } catch {
      continue; // reported by hyp status's client list (client_status_failed)
    }
    if (!state.attached || !state.endpoint) continue;
    const target = hostPort(state.endpoint);
    if (target && (await canConnect(target.host, target.port))) continue;
    out.push({
      kind: 'client_gateway_down',
      level: 'error',
      message: `${client.name} is attached to ${state.endpoint}, but nothing answers there: its requests fail until the gateway runs (${state.settings_path})`,
      repair: `hyp daemon start  # or: hyp ${client.name} detach`,
    });
  }
  return out;
}
