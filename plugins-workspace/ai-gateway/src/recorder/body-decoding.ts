/**
 * Undo `content-encoding` on a captured body (gzip, br, deflate, and zstd where this Node has
 * it). A stream cut short (capture cap, upstream reset) still yields what it holds; a corrupt
 * or unknown coding keeps the raw bytes and says why.
 */
import * as zlib from 'node:zlib';

export interface DecodedBody {
  bytes: Buffer;
  /** codings still applied to `bytes` (null: plain bytes) */
  encoding: string | null;
  /** set when decoding failed or was partial */
  error?: string;
}

/** Decoded output above this is refused (decompression bombs). */
const MAX_DECODED_BYTES = 128 * 1024 * 1024;

type Decoder = (input: Buffer, lenient: boolean) => Buffer;

const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: (b: Buffer, o?: object) => Buffer })
  .zstdDecompressSync;

const DECODERS: Record<string, Decoder> = {
  gzip: (b, lenient) =>
    zlib.gunzipSync(b, {
      maxOutputLength: MAX_DECODED_BYTES,
      ...(lenient ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}),
    }),
  deflate: (b, lenient) => {
    const options = {
      maxOutputLength: MAX_DECODED_BYTES,
      ...(lenient ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}),
    };
    try {
      return zlib.inflateSync(b, options);
    } catch {
      return zlib.inflateRawSync(b, options); // servers that send raw deflate without the zlib header
    }
  },
  br: (b, lenient) =>
    zlib.brotliDecompressSync(b, {
      maxOutputLength: MAX_DECODED_BYTES,
      ...(lenient ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : {}),
    }),
  ...(zstdDecompressSync ? { zstd: (b: Buffer) => zstdDecompressSync(b, { maxOutputLength: MAX_DECODED_BYTES }) } : {}),
};
DECODERS['x-gzip'] = DECODERS.gzip!;

function decodeOne(coding: string, input: Buffer): { bytes: Buffer; partial?: string } {
  const decoder = DECODERS[coding];
  if (!decoder) throw new Error(`unsupported content-encoding ${coding}`);
  try {
    return { bytes: decoder(input, false) };
  } catch (strictError) {
    const bytes = decoder(input, true); // throws again when the data is corrupt, not just short
    return { bytes, partial: (strictError as Error).message };
  }
}

/** Decode `raw` given the `content-encoding` header value (codings applied in listed order). */
export function decodeBody(raw: Buffer, contentEncoding: string | undefined): DecodedBody {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0 || raw.length === 0) return { bytes: raw, encoding: null };
  let bytes = raw;
  let partial: string | undefined;
  for (let i = codings.length - 1; i >= 0; i--) {
    try {
      const step = decodeOne(codings[i]!, bytes);
      bytes = step.bytes;
      partial ??= step.partial;
    } catch (err) {
      return {
        bytes: raw,
        encoding: codings.join(', '),
        error: `decode failed (${codings[i]}): ${(err as Error).message}`,
      };
    }
  }
  return partial ? { bytes, encoding: null, error: `decoded partially (${partial})` } : { bytes, encoding: null };
}
