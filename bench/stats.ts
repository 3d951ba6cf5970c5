/** Order statistics for benchmark samples (nearest-rank percentiles). */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

export const max = (samples: readonly number[]) => samples.reduce((m, v) => (v > m ? v : m), Number.NEGATIVE_INFINITY);

/** Round for reports: keeps numbers readable in the JSON and the table. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** `order(trial)` rotates the targets so no target always runs first (trial-by-trial interleaving). */
export function rotated<T>(items: readonly T[], trial: number): T[] {
  const k = trial % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
