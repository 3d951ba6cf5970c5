/**
 * Gzip of a request body that reuses the compressed bytes of what the conversation's previous
 * request already sent. Every turn of an agent re-sends the whole history (and, for Claude
 * Code, the same system prompt and tools after it), so most of a body is bytes the writer
 * compressed a second ago.
 *
 * The output is an ordinary gzip member of the whole body (the column's contract: any gunzip
 * reads it). Its deflate stream is a run of independently compressed segments, each ended by a
 * full flush (byte-aligned, no back-reference across it), then an empty final block. A segment
 * of the previous body lying wholly in the bytes both bodies share at the start, or at the end,
 * is copied as is; only the rest is compressed. Whether bytes are shared is decided by comparing
 * them, never assumed from the key, so a wrong or colliding key costs only speed.
 *
 * New bytes are cut where this body stopped sharing bytes with the previous one (the next turn
 * usually shares up to there) when that leaves at least `MIN_PIECE_BYTES` on the kept side, and
 * into equal pieces of at most `SEGMENT_BYTES`: a long conversation does not fragment into one
 * small, poorly compressed segment per turn.
 */
import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';

/** Segment size: large enough that cutting costs little ratio (~3 % at 32 KiB on request JSON). */
export const SEGMENT_BYTES = 32 * 1024;
/** Below this a body is gzipped in one piece and not remembered. */
const MIN_SEGMENTED_BYTES = 2048;
/** A body larger than this is gzipped in one piece and not remembered. */
const MAX_REMEMBERED_BYTES = 8 * 1024 * 1024;
/** Bytes (bodies + their segments) remembered over all conversations. */
const DEFAULT_BUDGET_BYTES = 16 * 1024 * 1024;
/** A cut where sharing stopped is made only if it leaves at least this much on its side. */
const MIN_PIECE_BYTES = 16 * 1024;
/** A new segment this small is stored, not compressed. */
const STORED_MAX_BYTES = 512;
const COMPARE_STEP = 4096;
const LEVEL = 1;

interface Segment {
  start: number;
  end: number;
  deflated: Buffer;
}

interface Remembered {
  body: Buffer;
  segments: Segment[];
  bytes: number;
}

/** What the compressor did so far (tests and benchmarks read it). */
export interface SegmentedGzipStats {
  bodies: number;
  /** body bytes that went through deflate */
  deflatedBytes: number;
  /** body bytes whose compressed segments were reused */
  reusedBytes: number;
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x04, 0x03]);
/** An empty final block with fixed codes: ends the stream after the last full flush. */
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

function commonPrefix(a: Buffer, b: Buffer): number {
  const max = Math.min(a.length, b.length);
  let n = 0;
  while (n < max) {
    const end = Math.min(max, n + COMPARE_STEP);
    if (a.compare(b, n, end, n, end) !== 0) break;
    n = end;
  }
  const end = Math.min(max, n + COMPARE_STEP);
  while (n < end && a[n] === b[n]) n++;
  return n;
}

/** Shared bytes at the end of both, at most `limit`. */
function commonSuffix(a: Buffer, b: Buffer, limit: number): number {
  let n = 0;
  while (n < limit) {
    const len = Math.min(limit, n + COMPARE_STEP);
    if (a.compare(b, b.length - len, b.length - n, a.length - len, a.length - n) !== 0) break;
    n = len;
  }
  const max = Math.min(limit, n + COMPARE_STEP);
  while (n < max && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/** The bytes in an ArrayBuffer of exactly their size. */
function exactCopy(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(out);
  return out;
}

function gzipTrailer(body: Buffer): Buffer {
  const trailer = Buffer.allocUnsafe(8);
  trailer.writeUInt32LE(crc32(body), 0);
  trailer.writeUInt32LE(body.length >>> 0, 4);
  return trailer;
}

/**
 * One segment as deflate blocks ending byte-aligned with no back-reference past its end. A few
 * hundred bytes are not worth a zlib stream (its set-up costs more than the bytes): they go in a
 * stored block (header byte, LEN, NLEN, the bytes; RFC 1951 3.2.4).
 */
function deflateSegment(bytes: Buffer): Buffer {
  if (bytes.length > STORED_MAX_BYTES)
    return deflateRawSync(bytes, { level: LEVEL, finishFlush: constants.Z_FULL_FLUSH });
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out[0] = 0x00;
  out.writeUInt16LE(bytes.length, 1);
  out.writeUInt16LE(~bytes.length & 0xffff, 3);
  bytes.copy(out, 5);
  return out;
}

export class SegmentedGzip {
  readonly #budget: number;
  /** by conversation key, least recently used first */
  readonly #remembered = new Map<string, Remembered>();
  #bytes = 0;
  readonly stats: SegmentedGzipStats = { bodies: 0, deflatedBytes: 0, reusedBytes: 0 };

  constructor(options: { budgetBytes?: number } = {}) {
    this.#budget = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  }

  /**
   * Gzip of `body` (not empty); `key` names its conversation (undefined: nothing to reuse or
   * remember). A body of at most `STORED_MAX_BYTES` is stored uncompressed inside the gzip.
   */
  compress(body: Buffer, key: string | undefined): Buffer {
    this.stats.bodies++;
    if (body.length <= STORED_MAX_BYTES) {
      this.stats.deflatedBytes += body.length;
      return Buffer.concat([GZIP_HEADER, deflateSegment(body), FINAL_EMPTY_BLOCK, gzipTrailer(body)]);
    }
    if (key === undefined || body.length < MIN_SEGMENTED_BYTES || body.length > MAX_REMEMBERED_BYTES) {
      this.stats.deflatedBytes += body.length;
      return gzipSync(body, { level: LEVEL });
    }
    const segments = this.#segments(body, this.#remembered.get(key));
    const out = Buffer.concat([GZIP_HEADER, ...segments.map((s) => s.deflated), FINAL_EMPTY_BLOCK, gzipTrailer(body)]);
    this.#remember(key, exactCopy(body), segments);
    return out;
  }

  /** Bytes held for the conversations remembered (whole ArrayBuffers), at most the budget plus one body's. */
  get rememberedBytes(): number {
    return this.#bytes;
  }

  get rememberedConversations(): number {
    return this.#remembered.size;
  }

  #segments(body: Buffer, previous: Remembered | undefined): Segment[] {
    const head: Segment[] = [];
    const tail: Segment[] = [];
    let from = 0;
    let tailStart = body.length;
    /** where this body stops sharing bytes with the previous one, from the start and from the end */
    let prefix = 0;
    let suffixStart = body.length;
    if (previous) {
      const prev = previous.body;
      prefix = commonPrefix(prev, body);
      const suffix = commonSuffix(prev, body, Math.min(prev.length, body.length) - prefix);
      suffixStart = body.length - suffix;
      for (const s of previous.segments) {
        if (s.start !== from || s.end > prefix) break;
        head.push(s);
        from = s.end;
      }
      // a small segment at the end of the head (last turn's new bytes) is compressed again with
      // this turn's: segments that stay grow to MIN_PIECE_BYTES instead of one per turn
      while (head.length > 0 && head.at(-1)!.end - head.at(-1)!.start < MIN_PIECE_BYTES) from = head.pop()!.start;
      const shift = body.length - prev.length;
      for (let i = previous.segments.length - 1; i >= 0; i--) {
        const s = previous.segments[i]!;
        if (s.start + shift < suffixStart || s.start + shift < from) break;
        tail.push({ start: s.start + shift, end: s.end + shift, deflated: s.deflated });
        tailStart = s.start + shift;
      }
      tail.reverse();
      this.stats.reusedBytes += from + (body.length - tailStart);
    }
    // cut where sharing stopped (the next turn likely shares up to there again) if that leaves a
    // piece worth keeping, then split each range into equal pieces of at most SEGMENT_BYTES
    const bounds = [from];
    if (prefix - from >= MIN_PIECE_BYTES && prefix < tailStart) bounds.push(prefix);
    if (tailStart - suffixStart >= MIN_PIECE_BYTES && suffixStart > bounds.at(-1)!) bounds.push(suffixStart);
    bounds.push(tailStart);
    const middle: Segment[] = [];
    for (let i = 1; i < bounds.length; i++) {
      const [a, b] = [bounds[i - 1]!, bounds[i]!];
      const pieces = Math.ceil((b - a) / SEGMENT_BYTES);
      for (let k = 0; k < pieces; k++) {
        const start = a + Math.round(((b - a) * k) / pieces);
        const end = a + Math.round(((b - a) * (k + 1)) / pieces);
        // a copy of its own: zlib's result is a slice of a 16 KiB chunk (and a small stored block
        // one of the shared 8 KiB pool), which remembering the slice would keep whole
        middle.push({ start, end, deflated: exactCopy(deflateSegment(body.subarray(start, end))) });
      }
    }
    this.stats.deflatedBytes += tailStart - from;
    return [...head, ...middle, ...tail];
  }

  #remember(key: string, body: Buffer, segments: Segment[]): void {
    const old = this.#remembered.get(key);
    if (old) {
      this.#remembered.delete(key);
      this.#bytes -= old.bytes;
    }
    // whole ArrayBuffers: what remembering really holds
    const bytes = body.buffer.byteLength + segments.reduce((n, s) => n + s.deflated.buffer.byteLength, 0);
    this.#remembered.set(key, { body, segments, bytes });
    this.#bytes += bytes;
    for (const [k, v] of this.#remembered) {
      if (this.#bytes <= this.#budget || k === key) break;
      this.#remembered.delete(k);
      this.#bytes -= v.bytes;
    }
  }
}
