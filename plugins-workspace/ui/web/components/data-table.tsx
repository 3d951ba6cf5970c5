/** A table of rows with named columns; numeric columns right-aligned. */
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  label: string;
  num?: boolean;
  cell(row: T): ComponentChildren;
  title?(row: T): string;
}

export function DataTable<T>({
  columns,
  rows,
  empty = 'Nothing yet.',
}: {
  columns: Column<T>[];
  rows: T[];
  empty?: string;
}) {
  if (rows.length === 0) return <p class="muted">{empty}</p>;
  return (
    <div class="scroll-x">
      <table class="grid">
        <thead>
          <tr>
            {columns.map((c) => (
              <th class={c.num ? 'num' : undefined}>{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              {columns.map((c) => (
                <td class={c.num ? 'num' : undefined} title={c.title?.(r)}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
