import type { ExchangeRecord } from './exchange-record.js';

/**
 * Copies of captured bodies in shared memory, carved out of 256 KiB SharedArrayBuffers:
 * allocating a SharedArrayBuffer per body cost ~30 µs of the proxy thread per exchange under
 * load, a slice of a block costs next to nothing. A body larger than 64 KiB gets a buffer of
 * its own, so a long-held body never pins much more memory than itself.
 *
 * Blocks are reused: once every body carved from a block was given back with
 * `releaseShared` (the writer has stored its exchange), the block is filled again from its
 * start. Without that each burst allocated hundreds of fresh blocks, and the native heap
 * they came from stayed at its largest size long after V8 collected them (~100 MB after
 * 3,000 exchanges). A body that is never given back (dropped, spilled, abandoned) only keeps
 * its block out of the reuse: the block is then freed by the garbage collector, as before.
 */
const BLOCK_BYTES = 256 * 1024;
const OWN_BUFFER_ABOVE = 64 * 1024;
/** Emptied blocks kept for reuse beyond the one being filled (4 MiB). */
const MAX_SPARE_BLOCKS = 16;

interface Block {
  buffer: SharedArrayBuffer;
  /** bytes handed out since the block was last (re)started */
  used: number;
  /** bodies handed out and not given back yet */
  live: number;
}

const blocks = new WeakMap<ArrayBufferLike, Block>();
const spare: Block[] = [];
let current: Block | undefined;

function freshBlock(): Block {
  const block: Block = { buffer: new SharedArrayBuffer(BLOCK_BYTES), used: 0, live: 0 };
  blocks.set(block.buffer, block);
  return block;
}

/**
 * A shared array of `bytes` bytes whose content is unspecified (a reused block holds older
 * bodies): callers fill it, and read back only what they filled.
 */
export function sharedBytes(bytes: number): Uint8Array {
  if (bytes > OWN_BUFFER_ABOVE) return new Uint8Array(new SharedArrayBuffer(bytes));
  if (!current || current.used + bytes > BLOCK_BYTES) current = spare.pop() ?? freshBlock();
  const out = new Uint8Array(current.buffer, current.used, bytes);
  current.used += (bytes + 7) & ~7; // keep each body 8-byte aligned
  current.live++;
  return out;
}

/** A shared copy of `source`. */
export function sharedCopy(source: Uint8Array): Uint8Array {
  const out = sharedBytes(source.byteLength);
  out.set(source);
  return out;
}

/**
 * Give back a body from `sharedBytes` that no thread reads any more (call once per body;
 * bodies of their own buffer and other arrays are ignored). Its bytes may be overwritten by
 * the next body.
 */
export function releaseShared(body: Uint8Array): void {
  const block = blocks.get(body.buffer);
  if (!block || block.live === 0) return;
  block.live--;
  if (block.live > 0) return;
  block.used = 0;
  if (block !== current && spare.length < MAX_SPARE_BLOCKS) spare.push(block);
}

/**
 * A record's bodies go back to the shared blocks once no thread reads them any more (the
 * writer stored the exchange, or the spill journal has its copy on disk); the record no longer
 * points at bytes a later body may overwrite.
 */
export function releaseBodies(record: ExchangeRecord): void {
  if (record.request_body) releaseShared(record.request_body);
  if (record.response_body) releaseShared(record.response_body);
  record.request_body = null;
  record.response_body = null;
}
