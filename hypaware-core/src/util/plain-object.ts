import type { JsonObject } from '../plugin-api.js';

/** True for an object that is neither null nor an array (parsed JSON objects, option bags). */
export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
