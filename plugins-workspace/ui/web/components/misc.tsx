/** Small shared pieces: loading and error lines, a stat card. */
import type { ComponentChildren } from 'preact';

export function Status({ loading, error }: { loading: boolean; error?: string | undefined }) {
  if (error) return <p class="error-line">{error}</p>;
  if (loading) return <p class="muted">Loading…</p>;
  return null;
}

export function Stat({
  label,
  value,
  title,
  raw,
}: {
  label: string;
  value: ComponentChildren;
  title?: string;
  /** the exact number shown, for tools and tests (`data-value`) */
  raw?: number | null;
}) {
  return (
    <div class="stat" title={title} data-value={raw ?? undefined}>
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}
