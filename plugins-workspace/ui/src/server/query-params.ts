/** Reading a request's query string: bounded integers and dates, a clear 400 otherwise. */
import { UsageError } from '@hypaware/core';

export function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`${name} must be a whole number (got ${JSON.stringify(raw)})`);
  const n = Number.parseInt(raw, 10);
  if (n < min || n > max) throw new UsageError(`${name} must be from ${min} to ${max} (got ${n})`);
  return n;
}

export function dateParam(url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw))
    throw new UsageError(`${name} must be a date YYYY-MM-DD (got ${JSON.stringify(raw)})`);
  return raw;
}

export function textParam(url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name)?.trim();
  return raw ? raw.slice(0, 500) : undefined;
}
