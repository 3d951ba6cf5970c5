/**
 * Structural comparison and size estimate of parsed JSON values, without serializing them:
 * the gateway's writer and the projectors compare each re-sent history message with the one
 * they saw last time, and a walk over two object graphs allocates nothing where
 * `JSON.stringify` builds a string of the whole history on every exchange.
 */

/**
 * Own keys of the objects being compared, one range per nesting level: a comparison writes
 * `a`'s keys from `top`, checks `b`'s against them in order, compares the values (deeper
 * levels write above its range) and moves `top` back. The array is never shortened, so it
 * does not reallocate either; results do not depend on `top` coming back (a throw in between
 * only leaves the stack longer). `Object.keys` would allocate two arrays per object compared,
 * and a re-sent history compares every object of every message on every turn.
 */
const keyStack: string[] = [];
let top = 0;

/**
 * True when `a` and `b` are the same JSON value: same primitives, arrays of equal items in
 * order, objects with the same own keys in the same order and equal values. Stricter than JSON
 * equality where JSON would drop a member (`undefined`): a false "different" only costs a
 * recomputation, a false "same" would cost a wrong id.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // objects: `a`'s own keys go on the shared stack (see keyStack), `b`'s are checked against
  // them in order, then the values are compared; every way out moves `top` back. Written
  // inline (no helper, no try/finally) so a nesting level costs one frame, as it always did.
  const start = top;
  for (const k in a) if (Object.hasOwn(a, k)) keyStack[top++] = k;
  const end = top;
  let i = start;
  for (const k in b) {
    if (!Object.hasOwn(b, k)) continue;
    if (i === end || keyStack[i] !== k) {
      top = start;
      return false;
    }
    i++;
  }
  let same = i === end;
  for (let j = start; same && j < end; j++) {
    const k = keyStack[j]!;
    same = sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
  }
  top = start;
  return same;
}

/** Bytes a parsed JSON value roughly holds: its strings (two bytes a character) and a word or so per node. */
export function jsonSizeEstimate(value: unknown): number {
  if (typeof value === 'string') return 16 + value.length * 2;
  if (typeof value !== 'object' || value === null) return 8;
  let bytes = 32;
  if (Array.isArray(value)) {
    for (const item of value) bytes += 8 + jsonSizeEstimate(item);
    return bytes;
  }
  for (const k of Object.keys(value)) bytes += 8 + k.length + jsonSizeEstimate((value as Record<string, unknown>)[k]);
  return bytes;
}
