import { sharedBytes } from '../shared-slab.js';

/** Announced bodies up to this size are copied as they pass. */
const COPY_AS_IT_PASSES_MAX = 1024 * 1024;

/**
 * The captured bytes of one body, up to a byte cap; counts every byte. When the length is
 * announced (`expect`) and at most 1 MiB, each chunk is copied as it passes into shared
 * memory sized for it, so the chunk itself dies young (holding chunks until the exchange ends
 * promoted them to the old generation under load). Otherwise (streams, big bodies: memory
 * follows the bytes received, not what a client claims) it keeps references to the chunks
 * and copies them once at the end.
 */
export class BodyCapture {
  readonly #max: number;
  #chunks: Buffer[] = [];
  /** the announced body, filled as it arrives */
  #sized: Uint8Array | undefined;
  #kept = 0;
  bytes = 0;
  truncated = false;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  /** The body will be `length` bytes (a content-length): copy as it comes. Only before the first chunk. */
  expect(length: number): void {
    if (this.bytes > 0 || !Number.isSafeInteger(length) || length <= 0 || length > COPY_AS_IT_PASSES_MAX) return;
    this.#sized = sharedBytes(Math.min(length, this.#max));
  }

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.truncated) return;
    const room = this.#max - this.#kept;
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    if (kept.length < chunk.length) this.truncated = true;
    if (kept.length === 0) return;
    if (this.#sized && this.#kept + kept.length > this.#sized.length) {
      // more than announced: go on with references, the copied part first
      this.#chunks.push(Buffer.from(this.#sized.subarray(0, this.#kept)));
      this.#sized = undefined;
    }
    if (this.#sized) this.#sized.set(kept, this.#kept);
    else this.#chunks.push(kept);
    this.#kept += kept.length;
  }

  /** The kept bytes in one SharedArrayBuffer-backed array (null when empty); releases the chunks. */
  take(): Uint8Array | null {
    if (this.#kept === 0) return null;
    if (this.#sized) {
      const sized = this.#sized;
      this.#sized = undefined;
      return this.#kept === sized.length ? sized : sized.subarray(0, this.#kept);
    }
    const out = sharedBytes(this.#kept);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    this.#chunks = [];
    return out;
  }
}
