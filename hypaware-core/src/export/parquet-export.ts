import { mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import {
  Compression,
  Table as WasmTable,
  WriterPropertiesBuilder,
  transformParquetStream,
  type RecordBatch as WasmRecordBatch,
} from 'parquet-wasm';
import type { ColumnSpec, DatasetSpec } from '../plugin-api.js';
import { HypError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { ArrowBatchBuilder, valueBytes } from './arrow-batches.js';

export interface ParquetExportOptions {
  outDir: string;
  /** first UTC date included (YYYY-MM-DD); default: the oldest data */
  since?: string;
  /** last UTC date included (YYYY-MM-DD); default: the newest data */
  until?: string;
  /** rows per Arrow batch (default 2048) */
  batchRows?: number;
  /** approximate bytes per Arrow batch (default 8 MiB) */
  batchBytes?: number;
  /** rows per Parquet row group (default 16384) */
  rowGroupRows?: number;
  onProgress?: (progress: ExportProgress) => void;
}

export interface ExportProgress {
  date: string;
  rowsDone: number;
  rowsTotal: number;
}

export interface PartitionWritten {
  date: string;
  rows: number;
  file: string;
  bytes: number;
}

export interface ExportResult {
  dataset: string;
  out_dir: string;
  since: string | null;
  until: string | null;
  rows: number;
  partitions: PartitionWritten[];
  /** timestamps that could not be parsed and were written as NULL */
  unparsed_timestamps: number;
}

const MANIFEST = '_hypaware_export.json';
const PARTITION_COLUMN = 'date';

/** How a dataset's rows map to `date=YYYY-MM-DD` partitions. */
interface Partitioning {
  /** columns written into the files (the partition column lives in the path) */
  columns: ColumnSpec[];
  /** rows per date within [since, until] */
  countSql: string;
  /** one date's rows, in index order */
  rowsSql: string;
}

function partitioning(spec: DatasetSpec): Partitioning {
  const quoted = (c: string) => `"${c}"`;
  const hasDate = spec.columns.some((c) => c.name === PARTITION_COLUMN && c.type === 'string');
  const columns = hasDate ? spec.columns.filter((c) => c.name !== PARTITION_COLUMN) : spec.columns;
  const select = columns.map((c) => quoted(c.name)).join(', ');
  const table = quoted(spec.name);
  if (hasDate) {
    return {
      columns,
      countSql: `SELECT date, count(*) AS rows FROM ${table} WHERE date BETWEEN @since AND @until GROUP BY date ORDER BY date`,
      rowsSql: `SELECT ${select} FROM ${table} WHERE date = @date`,
    };
  }
  // No date column: the UTC date of the primary time column (ISO text), read through its index.
  const time = quoted(spec.primaryTime);
  return {
    columns,
    countSql: `SELECT substr(${time}, 1, 10) AS date, count(*) AS rows FROM ${table} WHERE ${time} >= @since AND ${time} < @untilNext GROUP BY 1 ORDER BY 1`,
    rowsSql: `SELECT ${select} FROM ${table} WHERE ${time} >= @date AND ${time} < @dateNext ORDER BY ${time}`,
  };
}

function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** One export folder holds one dataset: `**\/*.parquet` then reads as one table. */
function claimOutDir(outDir: string, dataset: string): void {
  try {
    mkdirSync(outDir, { recursive: true });
    if (!statSync(outDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    throw new HypError(
      `cannot write the export to ${outDir} (${(err as NodeJS.ErrnoException).code ?? 'error'}): give a folder you can write`,
      { kind: 'export_dir_unusable' },
    );
  }
  const manifestPath = join(outDir, MANIFEST);
  let existing: { dataset?: unknown } | undefined;
  try {
    existing = JSON.parse(readFileSync(manifestPath, 'utf8')) as { dataset?: unknown };
  } catch {
    existing = undefined;
  }
  if (existing && existing.dataset !== dataset) {
    throw new HypError(
      `${outDir} holds an export of ${String(existing.dataset)}; export ${dataset} into another folder (one dataset per folder)`,
      { kind: 'export_dir_taken' },
    );
  }
  writeFileAtomic(
    manifestPath,
    JSON.stringify(
      { dataset, format: 'parquet', partitioning: 'hive date=YYYY-MM-DD', updated_at: new Date().toISOString() },
      null,
      2,
    ) + '\n',
  );
}

function writerProperties(rowGroupRows: number) {
  return new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setMaxRowGroupSize(rowGroupRows)
    .setCreatedBy('hypaware export parquet')
    .build();
}

/**
 * Write one date's rows to `<outDir>/date=<date>/<dataset>.parquet`: rows are read from SQLite
 * and turned into Arrow batches only as fast as the Parquet writer takes them, so memory
 * holds a batch and a row group, never the table. The file replaces the previous one atomically.
 */
async function writePartition(
  db: Database.Database,
  spec: DatasetSpec,
  part: Partitioning,
  date: string,
  options: ExportSettings,
  builder: ArrowBatchBuilder,
  onRows: (n: number) => void,
): Promise<PartitionWritten> {
  const dir = join(options.outDir, `date=${date}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${spec.name}.parquet`);
  const tmp = join(dir, `.${spec.name}.parquet.${process.pid}.tmp`);
  const rows = db.prepare(part.rowsSql).iterate({ date, dateNext: nextDate(date) }) as IterableIterator<
    Record<string, unknown>
  >;
  let written = 0;
  const batches = new ReadableStream<WasmRecordBatch>(
    {
      pull(controller) {
        let bytes = 0;
        for (;;) {
          const next = rows.next();
          if (next.done) break;
          builder.append(next.value);
          for (const c of part.columns) bytes += valueBytes(next.value[c.name]);
          if (builder.rows >= options.batchRows || bytes >= options.batchBytes) break;
        }
        if (builder.rows === 0) {
          controller.close();
          return;
        }
        const n = builder.rows;
        const table = WasmTable.fromIPCStream(builder.takeIpc());
        for (const batch of table.recordBatches()) controller.enqueue(batch);
        table.free();
        written += n;
        onRows(n);
      },
      cancel() {
        rows.return?.();
      },
    },
    { highWaterMark: 1 },
  );

  const handle = await open(tmp, 'w', 0o600);
  try {
    const parquet = (await transformParquetStream(
      batches,
      writerProperties(options.rowGroupRows),
    )) as ReadableStream<Uint8Array>;
    for await (const chunk of parquet) await handle.write(chunk);
    await handle.sync();
  } catch (err) {
    await handle.close();
    rmSync(tmp, { force: true });
    rows.return?.();
    throw err;
  }
  await handle.close();
  renameSync(tmp, file);
  return { date, rows: written, file, bytes: statSync(file).size };
}

type ExportSettings = ReturnType<typeof optionsWithDefaults>;

function optionsWithDefaults(options: ParquetExportOptions) {
  return {
    outDir: options.outDir,
    batchRows: options.batchRows ?? 2048,
    batchBytes: options.batchBytes ?? 8 * 1024 * 1024,
    rowGroupRows: options.rowGroupRows ?? 16_384,
  };
}

/**
 * Export a dataset to Hive-partitioned Parquet (`date=YYYY-MM-DD/<dataset>.parquet`, ZSTD).
 * Each date with rows in the range is rewritten whole, so re-running a range replaces its
 * files; dates without rows in the database are left alone (an export outlives retention).
 */
export async function exportParquet(
  db: Database.Database,
  spec: DatasetSpec,
  options: ParquetExportOptions,
): Promise<ExportResult> {
  const opts = optionsWithDefaults(options);
  const part = partitioning(spec);
  const since = options.since ?? '0000-01-01';
  const until = options.until ?? '9999-12-31';
  // Without --until there is no upper bound: '\uffff' sorts after every ISO time.
  const untilNext = options.until ? nextDate(options.until) : '\uffff';
  const dates = db.prepare(part.countSql).all({ since, until, untilNext }) as Array<{ date: string; rows: number }>;
  claimOutDir(opts.outDir, spec.name);
  const rowsTotal = dates.reduce((n, d) => n + d.rows, 0);
  const builder = new ArrowBatchBuilder(part.columns);
  const result: ExportResult = {
    dataset: spec.name,
    out_dir: opts.outDir,
    since: options.since ?? null,
    until: options.until ?? null,
    rows: 0,
    partitions: [],
    unparsed_timestamps: 0,
  };
  for (const { date } of dates) {
    const written = await writePartition(db, spec, part, date, opts, builder, (n) => {
      result.rows += n;
      options.onProgress?.({ date, rowsDone: result.rows, rowsTotal });
    });
    result.partitions.push(written);
  }
  result.unparsed_timestamps = builder.unparsed.timestamps;
  return result;
}
