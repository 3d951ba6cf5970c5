import { UsageError } from '../errors.js';

/** A `YYYY-MM-DD` calendar date given on the command line (a real date, not just the shape). */
export function parseDateOption(flag: string, value: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag} must be a date like 2026-01-31 (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** `since` must not come after `until`. */
export function checkDateRange(since: string | undefined, until: string | undefined): void {
  if (since !== undefined && until !== undefined && since > until)
    throw new UsageError(`--since ${since} is after --until ${until}`);
}
