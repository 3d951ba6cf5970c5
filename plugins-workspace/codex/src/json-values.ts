/** Small, total readers for untrusted JSON: they never throw, they return undefined. */
import { isPlainObject, type JsonObject, type JsonValue } from '@hypaware/core';

/** A non-empty string, else undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A finite number, else undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export function arr(value: unknown): JsonValue[] {
  return Array.isArray(value) ? (value as JsonValue[]) : [];
}

/** Parse JSON text; undefined when it is not JSON. */
export function parseJson(text: string | null | undefined): JsonValue | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** Parse JSON text that must hold an object. */
export function parseJsonObject(text: string | null | undefined): JsonObject | undefined {
  const value = parseJson(text);
  return isPlainObject(value) ? value : undefined;
}

/** First value of a header (names are matched case-insensitively). */
export function headerValue(
  headers: Record<string, string | string[]> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  // the gateway's header views are lowercased: a lookup first, then any other spelling (no allocation)
  if (Object.hasOwn(headers, wanted)) {
    const direct = firstTrimmed(headers[wanted]);
    if (direct !== '') return direct;
  }
  for (const key in headers) {
    if (key === wanted || !Object.hasOwn(headers, key) || key.toLowerCase() !== wanted) continue;
    const trimmed = firstTrimmed(headers[key]);
    if (trimmed !== '') return trimmed;
  }
  return undefined;
}

function firstTrimmed(value: string | string[] | undefined): string {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.trim() : '';
}

/** Drop keys whose value is undefined (the projection contract wants absent, not undefined). */
export function compact<T extends object>(value: T): T {
  for (const key in value) if (Object.hasOwn(value, key) && value[key] === undefined) delete value[key];
  return value;
}
