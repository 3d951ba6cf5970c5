/**
 * Structural comparison and size estimate of parsed JSON values, without serializing them:
 * the gateway's writer and the projectors compare each re-sent history message with the one
 * they saw last time, and a walk over two object graphs allocates nothing where
 * `JSON.stringify` builds a string of the whole history on every exchange.
 */

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
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
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
