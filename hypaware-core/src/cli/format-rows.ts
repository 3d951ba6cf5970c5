export type RowFormat = 'table' | 'json' | 'jsonl' | 'csv';
export const ROW_FORMATS: RowFormat[] = ['table', 'json', 'jsonl', 'csv'];

type Row = Record<string, unknown>;

/**
 * A cell as JSON can carry it: blobs as base64, integers as numbers while exact, beyond
 * 2^53 as decimal strings. Converted before JSON.stringify, which would otherwise apply
 * Buffer's own toJSON ({type, data}) before any replacer sees the value.
 */
function jsonCell(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

function jsonRow(row: Row): string {
  const cells: Row = {};
  for (const [key, value] of Object.entries(row)) cells[key] = jsonCell(value);
  return JSON.stringify(cells);
}

function cellText(value: unknown, max: number): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (Buffer.isBuffer(value)) text = `<blob ${value.length} bytes>`;
  else text = String(value);
  // Captured text is data: control characters are shown escaped, never interpreted.
  text = text.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = Buffer.isBuffer(value) ? value.toString('base64') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes rows as they come (json, jsonl, csv stream; table collects to size its columns).
 * Returns the number of rows written.
 */
export function writeRows(
  out: NodeJS.WritableStream,
  columns: string[],
  rows: Iterable<Row>,
  format: RowFormat,
  cellMax = 200,
): number {
  let count = 0;
  if (format === 'jsonl') {
    for (const row of rows) {
      out.write(jsonRow(row) + '\n');
      count++;
    }
  } else if (format === 'json') {
    out.write('[');
    for (const row of rows) {
      out.write((count === 0 ? '\n' : ',\n') + jsonRow(row));
      count++;
    }
    out.write(count === 0 ? ']\n' : '\n]\n');
  } else if (format === 'csv') {
    out.write(columns.map(csvField).join(',') + '\r\n');
    for (const row of rows) {
      out.write(columns.map((c) => csvField(row[c])).join(',') + '\r\n');
      count++;
    }
  } else {
    const cells: string[][] = [];
    for (const row of rows) {
      cells.push(columns.map((c) => cellText(row[c], cellMax)));
      count++;
    }
    const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
    const line = (values: string[]) =>
      values
        .map((v, i) => v.padEnd(widths[i]!))
        .join(' | ')
        .trimEnd() + '\n';
    out.write(line(columns));
    out.write(widths.map((w) => '-'.repeat(w)).join('-+-') + '\n');
    for (const r of cells) out.write(line(r));
    out.write(`(${count} row${count === 1 ? '' : 's'})\n`);
  }
  return count;
}
