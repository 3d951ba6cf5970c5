/** Projector registrations as dispatch sees them, in both threads: checked, bound, ordered. */
import type { ExchangeProjector } from './api-types.js';

export interface ProjectorEntry {
  projector: ExchangeProjector;
  /** `priority` with the default (0) applied */
  priority: number;
  /** registration order, breaks priority ties */
  seq: number;
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/** Throws the plugin-facing TypeError of `registerExchangeProjector` for an invalid projector. */
export function checkProjector(projector: ExchangeProjector): void {
  if (!projector || !isNonEmptyString(projector.name))
    throw new TypeError('registerExchangeProjector: name is required');
  const where = `registerExchangeProjector '${projector.name}'`;
  if (typeof projector.match !== 'function') throw new TypeError(`${where}: match() is required`);
  if (typeof projector.project !== 'function') throw new TypeError(`${where}: project() is required`);
  if (
    projector.priority !== undefined &&
    (typeof projector.priority !== 'number' || !Number.isFinite(projector.priority))
  ) {
    throw new TypeError(`${where}: priority must be a finite number`);
  }
}

/** A checked entry; bound methods, so the projector object stays the adapter's own (its `this` keeps working). */
export function projectorEntry(projector: ExchangeProjector, seq: number): ProjectorEntry {
  checkProjector(projector);
  return {
    projector: { ...projector, match: projector.match.bind(projector), project: projector.project.bind(projector) },
    priority: projector.priority ?? 0,
    seq,
  };
}

/** Dispatch order: priority descending, then registration order. */
export function inDispatchOrder(entries: readonly ProjectorEntry[]): ProjectorEntry[] {
  return [...entries].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
}
