/**
 * The shipper's durable state in the plugin's state folder: per target database, the rowid up to
 * which each dataset was committed in PostgreSQL (written only after the COMMIT succeeded), and
 * the last success and error. The daemon's shipper writes it; `hyp status`, `hyp prune` and the
 * retention hold read it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPlainObject, writeFileAtomic } from '@hypaware/core';

export const STATE_FILE = 'shipper-state.json';

export interface ShipError {
  at: string;
  message: string;
  /** SQLSTATE or errno code, when known */
  code?: string;
  /** one line on how to repair it */
  repair: string;
}

export interface ShipperState {
  /** the target the cursors belong to (`user@host:port/database#schema`); another target starts over */
  target: string;
  /** dataset -> highest local rowid committed in PostgreSQL */
  cursors: Record<string, number>;
  /** dataset -> rows PostgreSQL accepted as new (duplicates of a replay not counted) */
  shipped_rows: Record<string, number>;
  /** replica rows deleted because they were deleted locally while recent (settled provisional rows) */
  deleted_rows?: number;
  /** mirrored dataset -> fingerprint of the local content last committed in PostgreSQL */
  mirrored?: Record<string, string>;
  /** rows PostgreSQL refused one by one (bad data), skipped so the rest ships */
  refused_rows: number;
  last_success_at?: string;
  last_error?: ShipError;
}

export function emptyState(target: string): ShipperState {
  return { target, cursors: {}, shipped_rows: {}, refused_rows: 0 };
}

/** The stored state for `target`; a state of another target (or none) is an empty one. */
export function readState(stateDir: string, target: string): ShipperState {
  try {
    const raw: unknown = JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8'));
    if (isPlainObject(raw) && raw.target === target && isPlainObject(raw.cursors))
      return { ...emptyState(target), ...(raw as unknown as ShipperState) };
  } catch {
    /* none yet */
  }
  return emptyState(target);
}

export function writeState(stateDir: string, state: ShipperState): void {
  writeFileAtomic(join(stateDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}
