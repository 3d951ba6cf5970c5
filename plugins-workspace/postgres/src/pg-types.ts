/** Column types of the replica: the kernel's column types as PostgreSQL types. */
import type { ColumnType } from '@hypaware/core';

export const PG_TYPES: Record<ColumnType, string> = {
  string: 'text',
  int: 'bigint',
  float: 'double precision',
  boolean: 'boolean',
  json: 'jsonb',
  timestamp: 'timestamptz',
  blob: 'bytea',
};

/** `information_schema.columns.data_type` of each type, to check an existing table. */
export const INFORMATION_SCHEMA_TYPES: Record<ColumnType, string> = {
  string: 'text',
  int: 'bigint',
  float: 'double precision',
  boolean: 'boolean',
  json: 'jsonb',
  timestamp: 'timestamp with time zone',
  blob: 'bytea',
};

/** The array type a column's values travel in (one parameter per column, `unnest`ed by the server). */
export const ARRAY_TYPES: Record<ColumnType, string> = {
  string: 'text[]',
  int: 'bigint[]',
  float: 'float8[]',
  boolean: 'boolean[]',
  // sent as text and cast per element: a cast error names the value instead of the whole array
  json: 'text[]',
  timestamp: 'text[]',
  blob: 'bytea[]',
};
