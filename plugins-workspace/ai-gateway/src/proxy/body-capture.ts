import { sharedBytes } from '../shared-slab.js';

/**
 * Keeps references to the chunks of one body as they pass, up to a byte cap; counts every
 * byte. Nothing is copied until the exchange ends.
 */
export class BodyCapture {
  readonly #max: number;
  #chunks: Buffer[] = [];
  #kept = 0;
  bytes = 0;
  truncated = false;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.truncated) return;
    const room = this.#max - this.#kept;
    if (chunk.length <= room) {
      this.#chunks.push(chunk);
      this.#kept += chunk.length;
      return;
    }
    if (room > 0) this.#chunks.push(chunk.subarray(0, room));
    this.#kept = this.#max;
    this.truncated = true;
  }

  /** The kept bytes in one SharedArrayBuffer-backed array (null when empty); releases the chunks. */
  take(): Uint8Array | null {
    if (this.#kept === 0) return null;
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
