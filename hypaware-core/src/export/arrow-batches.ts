import {
  Binary,
  Bool,
  Field,
  Float64,
  Int64,
  Schema,
  Table,
  TimestampMillisecond,
  Utf8,
  makeBuilder,
  tableToIPC,
  type Builder,
  type DataType,
} from 'apache-arrow';
import type { ColumnSpec, ColumnType } from '../plugin-api.js';

/** Arrow type of each dataset column type. JSON stays a string (readers parse it when they want). */
function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'string':
    case 'json':
      return new Utf8();
    case 'int':
      return new Int64();
    case 'float':
      return new Float64();
    case 'boolean':
      return new Bool();
    case 'timestamp':
      return new TimestampMillisecond('UTC');
    case 'blob':
      return new Binary();
  }
}

export function arrowSchema(columns: ColumnSpec[]): Schema {
  return new Schema(columns.map((c) => new Field(c.name, arrowType(c.type), c.nullable !== false)));
}

/** A SQLite value as the value the column's Arrow builder takes; `bad` counts unparseable timestamps. */
function arrowValue(type: ColumnType, value: unknown, bad: { timestamps: number }): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'int':
      return typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)));
    case 'float':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'timestamp': {
      const ms = typeof value === 'number' ? value : Date.parse(String(value));
      if (Number.isNaN(ms)) {
        bad.timestamps++;
        return null;
      }
      return ms;
    }
    case 'blob':
      return value instanceof Uint8Array ? value : Buffer.from(String(value));
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

/** Approximate bytes a value adds to a batch (to bound batches by size, not only by rows). */
export function valueBytes(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value instanceof Uint8Array) return value.byteLength;
  return 8;
}

/**
 * Collects rows into Arrow columns and hands out one Arrow IPC stream per batch, the form
 * parquet-wasm reads into its own memory.
 */
export class ArrowBatchBuilder {
  readonly schema: Schema;
  readonly #columns: ColumnSpec[];
  #builders: Builder[] = [];
  #rows = 0;
  readonly unparsed = { timestamps: 0 };

  constructor(columns: ColumnSpec[]) {
    this.#columns = columns;
    this.schema = arrowSchema(columns);
    this.#reset();
  }

  #reset(): void {
    this.#builders = this.schema.fields.map((f) => makeBuilder({ type: f.type, nullValues: [null, undefined] }));
    this.#rows = 0;
  }

  get rows(): number {
    return this.#rows;
  }

  append(row: Record<string, unknown>): void {
    this.#columns.forEach((c, i) => this.#builders[i]!.append(arrowValue(c.type, row[c.name], this.unparsed)));
    this.#rows++;
  }

  /** The rows appended since the last call, as an Arrow IPC stream; the builder starts empty again. */
  takeIpc(): Uint8Array {
    const vectors = Object.fromEntries(
      this.#builders.map((b, i) => [this.schema.fields[i]!.name, b.finish().toVector()]),
    );
    const table = new Table(this.schema, vectors as never);
    this.#reset();
    return tableToIPC(table, 'stream');
  }
}
