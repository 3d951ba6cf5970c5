/** `host:port` listen addresses and the endpoint URLs built from them. */

export const DEFAULT_LISTEN = '127.0.0.1:18521';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parse `host:port` (split at the last colon; `[v6]:port` unwrapped). The port is an integer
 * 0-65535 written without sign, spaces or leading zeros. Returns a problem sentence instead of
 * throwing so config validation can report it with its path.
 */
export function parseListenAddress(text: string): ListenAddress | string {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return `"${text}" is not host:port (e.g. ${DEFAULT_LISTEN})`;
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '' || /\s/.test(host)) return `"${text}" has no valid host (e.g. ${DEFAULT_LISTEN})`;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || String(port) !== portText) {
    return `"${text}" has no valid port (an integer 0-65535)`;
  }
  return { host, port };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Hostname a client can connect to: wildcard binds are reached through loopback. */
function connectableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** `http://host:port[/prefix]`, with IPv6 hosts bracketed. */
export function endpointUrl(address: ListenAddress, pathPrefix?: string): string {
  const host = connectableHost(address.host);
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  let suffix = '';
  if (pathPrefix) suffix = pathPrefix.startsWith('/') ? pathPrefix : `/${pathPrefix}`;
  return `http://${shown}:${address.port}${suffix}`;
}
