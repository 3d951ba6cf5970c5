/**
 * JSON helpers the session-context hook shares with the projector. The hook's CommonJS build
 * compiles this file (tsconfig.hook-cjs.json) and may load no package, so the object check
 * below is written out instead of importing `isPlainObject` from `@hypaware/core`.
 */
export type Obj = Record<string, unknown>;

/** The first argument that is a non-empty string. */
export function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

/** `text` parsed as a JSON object; undefined for invalid JSON or any other JSON value. */
export function parseJsonObject(text: string | null | undefined): Obj | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
}
