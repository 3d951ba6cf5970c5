export type HeaderMap = Record<string, string | string[] | undefined>;

function firstNonEmpty(raw: string | string[] | undefined): string | undefined {
  if (typeof raw === 'string') return raw.trim() !== '' ? raw.trim() : undefined;
  if (Array.isArray(raw)) for (const v of raw) if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return undefined;
}

/**
 * First non-empty value of a header, by case-insensitive name: the lowercase spelling first
 * (the gateway's header views are lowercased, so this is a lookup), then any other spelling.
 * Allocates nothing: it runs several times per exchange.
 */
export function headerValue(headers: HeaderMap | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  if (Object.hasOwn(headers, wanted)) {
    const direct = firstNonEmpty(headers[wanted]);
    if (direct !== undefined) return direct;
  }
  for (const key in headers) {
    if (key === wanted || !Object.hasOwn(headers, key) || key.toLowerCase() !== wanted) continue;
    const value = firstNonEmpty(headers[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}
