/**
 * Copies of captured bodies in shared memory, carved out of 256 KiB SharedArrayBuffers:
 * allocating a SharedArrayBuffer per body cost ~30 µs of the proxy thread per exchange under
 * load, a slice of a block costs next to nothing. A block is freed once no body in it is
 * referenced (in either thread). A body larger than 64 KiB gets a buffer of its own, so a
 * long-held body never pins much more memory than itself.
 */
const BLOCK_BYTES = 256 * 1024;
const OWN_BUFFER_ABOVE = 64 * 1024;

let block: SharedArrayBuffer | undefined;
let used = 0;

/** A zero-filled shared array of `bytes` bytes (callers fill it at once). */
export function sharedBytes(bytes: number): Uint8Array {
  if (bytes > OWN_BUFFER_ABOVE) return new Uint8Array(new SharedArrayBuffer(bytes));
  if (!block || used + bytes > BLOCK_BYTES) {
    block = new SharedArrayBuffer(BLOCK_BYTES);
    used = 0;
  }
  const out = new Uint8Array(block, used, bytes);
  used += (bytes + 7) & ~7; // keep each body 8-byte aligned
  return out;
}

/** A shared copy of `source`. */
export function sharedCopy(source: Uint8Array): Uint8Array {
  const out = sharedBytes(source.byteLength);
  out.set(source);
  return out;
}
