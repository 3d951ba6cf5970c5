/**
 * `<stateDir>/listener.json`: where the daemon's gateway listens, plus the runtime conditions
 * `hyp status` reports from another process (port fallback, failing writes). Written by the
 * daemon (0600), removed on stop, read by `localEndpoint()` outside the daemon.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '@hypaware/core';
import { endpointUrl } from './listen-address.js';

export interface ListenerFile {
  host: string;
  port: number;
  pid: number;
  started_at: string;
  /** set when the default port was busy and an ephemeral port was used instead */
  port_fallback?: { requested: number; reason: string };
  /** set while writes to the database fail */
  write_failing?: { since: string; reason: string; message: string };
}

export const NO_GATEWAY_MESSAGE =
  'ai-gateway: no running gateway; start it with `hyp daemon start` (or `hyp daemon run --foreground`)';

export function listenerFilePath(stateDir: string): string {
  return join(stateDir, 'listener.json');
}

export function writeListenerFile(stateDir: string, content: ListenerFile): void {
  writeFileAtomic(listenerFilePath(stateDir), JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
}

export function removeListenerFile(stateDir: string): void {
  try {
    unlinkSync(listenerFilePath(stateDir));
  } catch {
    /* already gone */
  }
}

/** The listener file, or undefined when absent or malformed (it is untrusted input). */
export function readListenerFile(stateDir: string): ListenerFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(listenerFilePath(stateDir), 'utf8')) as Partial<ListenerFile>;
    if (
      typeof parsed.host !== 'string' ||
      typeof parsed.port !== 'number' ||
      !Number.isInteger(parsed.port) ||
      typeof parsed.pid !== 'number'
    )
      return undefined;
    return parsed as ListenerFile;
  } catch {
    return undefined;
  }
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Endpoint of the gateway running in the daemon, verified by a TCP connect; throws when none runs. */
export async function runningGatewayEndpoint(stateDir: string, pathPrefix?: string): Promise<string> {
  const file = readListenerFile(stateDir);
  if (!file) throw new Error(NO_GATEWAY_MESSAGE);
  const url = new URL(endpointUrl(file));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!(await canConnect(host, file.port))) throw new Error(NO_GATEWAY_MESSAGE);
  return endpointUrl(file, pathPrefix);
}
