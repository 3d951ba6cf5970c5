export type HeaderMap = Record<string, string | string[] | undefined>;

/** First non-empty value of a header, by case-insensitive name. */
export function headerValue(headers: HeaderMap | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, raw] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return undefined;
}
