/**
 * Helpers for the gateway's unit tests: a recording logger, exchange records built from
 * parts, and a writer-mode kernel in a temp HYP_HOME with only the gateway enabled (the real
 * capability, datasets and SQLite tables), plus an ExchangeWriter over it.
 */
import type { AiGatewayApi, ExchangeProjector } from '@hypaware/ai-gateway';
import type { Logger, LogFields } from '@hypaware/core';
import { bootKernel, type Kernel } from '@hypaware/core/boot';
import type { ExchangeRecord } from '@hypaware/ai-gateway/internal/exchange-record.js';
import { inDispatchOrder, projectorEntry } from '@hypaware/ai-gateway/internal/projector-entries.js';
import { ExchangeWriter, type WriterSettings } from '@hypaware/ai-gateway/internal/recorder/exchange-writer.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { tempDir } from '../../harness/repo.js';

export interface LoggedLine {
  level: string;
  event: string;
  fields: LogFields;
}

export function recordingLogger(): { log: Logger; lines: LoggedLine[]; events(name: string): LogFields[] } {
  const lines: LoggedLine[] = [];
  const at =
    (level: string) =>
    (event: string, fields: LogFields = {}) => {
      lines.push({ level, event, fields });
    };
  return {
    log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    lines,
    events: (name) => lines.filter((l) => l.event === name).map((l) => l.fields),
  };
}

function shared(bytes: Buffer | string | undefined): Uint8Array | null {
  if (bytes === undefined) return null;
  const buf = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  if (buf.length === 0) return null;
  const out = new Uint8Array(new SharedArrayBuffer(buf.length));
  out.set(buf);
  return out;
}

export interface RecordParts {
  path?: string;
  method?: string;
  upstream?: string | null;
  status?: number | null;
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string> | null;
  requestBody?: Buffer | string;
  responseBody?: Buffer | string;
  requestTruncated?: boolean;
  responseTruncated?: boolean;
  error?: string | null;
  tsStart?: string;
}

const flat = (h: Record<string, string>) => Object.entries(h).flat();

/** An ExchangeRecord as the proxy would hand it over. */
export function makeRecord(parts: RecordParts = {}): ExchangeRecord {
  const request = shared(parts.requestBody);
  const response = shared(parts.responseBody);
  const ts = parts.tsStart ?? new Date().toISOString();
  return {
    exchange_id: randomUUID().replaceAll('-', ''),
    ts_start: ts,
    ts_end: ts,
    duration_ms: 5,
    upstream: parts.upstream === undefined ? 'test' : parts.upstream,
    provider: 'test',
    method: parts.method ?? 'POST',
    path: parts.path ?? '/v1/test',
    status_code: parts.status === undefined ? 200 : parts.status,
    request_headers: flat(parts.requestHeaders ?? { 'content-type': 'application/json' }),
    response_headers:
      parts.responseHeaders === null ? null : flat(parts.responseHeaders ?? { 'content-type': 'application/json' }),
    request_body: request,
    response_body: response,
    request_bytes: request?.byteLength ?? 0,
    response_bytes: response?.byteLength ?? 0,
    request_truncated: parts.requestTruncated ?? false,
    response_truncated: parts.responseTruncated ?? false,
    error: parts.error ?? null,
    aborted: false,
    reported: false,
  };
}

export interface WriterRig {
  kernel: Kernel;
  hypHome: string;
  api: AiGatewayApi;
  writer: ExchangeWriter;
  logs: ReturnType<typeof recordingLogger>;
  count(sql: string, ...params: unknown[]): number;
  rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

const ONLY_GATEWAY = { plugins: { '@hypaware/claude': { enabled: false }, '@hypaware/codex': { enabled: false } } };

/**
 * Boot a kernel with only the gateway, register `projectors` on its capability (validation as
 * for adapters), and build an ExchangeWriter over its database with the same projectors, as
 * the writer thread builds them. Reuse `hypHome` to reopen the same database.
 */
export async function startWriterRig(
  projectors: ExchangeProjector[],
  options: { hypHome?: string; settings?: Partial<WriterSettings> } = {},
): Promise<WriterRig> {
  const hypHome = options.hypHome ?? tempDir('hyp-gw-writer-');
  writeFileSync(join(hypHome, 'hypaware-config.json'), JSON.stringify(ONLY_GATEWAY));
  const kernel = await bootKernel({ mode: 'daemon', hypHome, env: { ...process.env, HYP_HOME: hypHome } });
  const api = kernel.capabilities.get('hypaware.ai-gateway')?.value as AiGatewayApi;
  for (const p of projectors) api.registerExchangeProjector(p);
  const ordered = inDispatchOrder(projectors.map((p, i) => projectorEntry(p, i)));
  const logs = recordingLogger();
  const writer = new ExchangeWriter({
    database: () => kernel.database(),
    log: logs.log,
    meter: kernel.meters.meter({ plugin: '@hypaware/ai-gateway' }),
    projectors: () => ordered,
    settings: { gatewayId: 'test-gw', redactHeaders: [], ...options.settings },
  });
  return {
    kernel,
    hypHome,
    api,
    writer,
    logs,
    count: (sql, ...params) =>
      Number(
        Object.values(
          kernel
            .database()
            .prepare(sql)
            .get(...params) as object,
        )[0],
      ),
    rows: <T>(sql: string, ...params: unknown[]) =>
      kernel
        .database()
        .prepare(sql)
        .all(...params) as T[],
    close: () => kernel.shutdown(),
  };
}
