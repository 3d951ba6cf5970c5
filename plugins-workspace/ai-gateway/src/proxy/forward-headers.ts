/**
 * Header rewriting between client and upstream: hop-by-hop headers (and the tokens named in
 * `Connection`) are dropped, `host` is the upstream's, and `accept-encoding` loses codings
 * the capture side cannot decode. Everything else passes in order, with its original case.
 */
import * as zlib from 'node:zlib';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Content codings the capture side decodes (zstd only where this Node has it). */
export const DECODABLE_CODINGS: ReadonlySet<string> = new Set([
  'gzip',
  'x-gzip',
  'deflate',
  'br',
  'identity',
  ...(typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function' ? ['zstd'] : []),
]);

function connectionTokens(rawHeaders: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() !== 'connection') continue;
    for (const t of rawHeaders[i + 1]!.split(',')) {
      const token = t.trim().toLowerCase();
      if (token) tokens.add(token);
    }
  }
  return tokens;
}

/**
 * `accept-encoding` without the codings we cannot decode; the original string when nothing
 * needs removing, undefined when nothing is left (the header is then dropped).
 */
export function decodableAcceptEncoding(value: string): string | undefined {
  const parts = value.split(',');
  const kept = parts.filter((p) => {
    const coding = p.split(';')[0]!.trim().toLowerCase();
    return coding === '' || coding === '*' || DECODABLE_CODINGS.has(coding);
  });
  if (kept.length === parts.length) return value;
  const joined = kept
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .join(', ');
  return joined === '' ? undefined : joined;
}

/** Flat `[name, value, ...]` list for the upstream request. */
export function upstreamRequestHeaders(rawHeaders: readonly string[], upstreamHost: string): string[] {
  const drop = connectionTokens(rawHeaders);
  const out: string[] = ['host', upstreamHost];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    // `expect: 100-continue` is answered by node's server; undici refuses to send it
    if (lower === 'host' || lower === 'expect' || HOP_BY_HOP.has(lower) || drop.has(lower)) continue;
    let value = rawHeaders[i + 1]!;
    if (lower === 'accept-encoding') {
      const filtered = decodableAcceptEncoding(value);
      if (filtered === undefined) continue;
      value = filtered;
    }
    out.push(name, value);
  }
  return out;
}

/** Flat `[name, value, ...]` list of response headers for the client (latin1, as received). */
export function clientResponseHeaders(rawHeaders: readonly string[]): string[] {
  const drop = connectionTokens(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower) || drop.has(lower)) continue;
    out.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return out;
}

/** The content-length of a flat `[name, value, ...]` list, when it has exactly one valid one and no transfer coding. */
export function contentLength(raw: readonly string[]): number | undefined {
  let found: number | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'transfer-encoding') return undefined;
    if (name !== 'content-length') continue;
    if (found !== undefined || !/^\d+$/.test(raw[i + 1]!.trim())) return undefined;
    found = Number(raw[i + 1]!.trim());
  }
  return found;
}

/** undici hands raw headers as Buffers (latin1); values may repeat as arrays. */
export function rawHeaderStrings(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = toLatin1(raw[i]);
    const value: unknown = raw[i + 1];
    if (Array.isArray(value)) for (const v of value) out.push(name, toLatin1(v));
    else out.push(name, toLatin1(value));
  }
  return out;
}

function toLatin1(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
}
