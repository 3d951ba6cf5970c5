/** `--listen host:port` of `hyp ui`: loopback addresses only (the history is private). */
import { UsageError } from '@hypaware/core';
import { isLoopbackHost } from './server/request-guard.js';

export const DEFAULT_UI_LISTEN = '127.0.0.1:18522';

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  if (!m) throw new UsageError(`--listen must be host:port, e.g. ${DEFAULT_UI_LISTEN} (got ${JSON.stringify(value)})`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = Number.parseInt(m[2]!, 10);
  if (port > 65535) throw new UsageError(`--listen port must be 0-65535 (got ${port})`);
  if (!isLoopbackHost(host)) {
    throw new UsageError(`--listen must be a loopback address (127.0.0.1, ::1 or localhost): got ${host}`);
  }
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}
