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
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const first = Array.isArray(value) ? value[0] : value;
    const trimmed = typeof first === 'string' ? first.trim() : '';
    if (trimmed !== '') return trimmed;
  }
  return undefined;
}

/** Drop keys whose value is undefined (the projection contract wants absent, not undefined). */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
