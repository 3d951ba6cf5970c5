import type { TranscriptEntry } from '../transcript/transcript-entry.js';
import type { TranscriptView } from '../transcript/transcript-view.js';
import type { WireUnit } from '../wire/wire-units.js';

/** Where a wire unit was found: a transcript line, and which of its blocks (older multi-block lines). */
export interface UnitMatch {
  entry: TranscriptEntry;
  blockIndex: number;
}

function isAfter(c: UnitMatch, cursor: UnitMatch | undefined): boolean {
  if (!cursor) return true;
  if (c.entry === cursor.entry) return c.blockIndex > cursor.blockIndex;
  return c.entry.seq > cursor.entry.seq;
}

function follows(view: TranscriptView, c: UnitMatch, cursor: UnitMatch | undefined): boolean {
  if (!cursor) return c.entry.parentUuid === undefined;
  return c.entry === cursor.entry || view.descendsFrom(c.entry, cursor.entry.uuid);
}

function candidates(view: TranscriptView, u: WireUnit, replyId: string | undefined): UnitMatch[] {
  const out: UnitMatch[] = view.unitCandidates(u.key).map((entry) => ({ entry, blockIndex: 0 }));
  if (u.blocks.length === 1) {
    for (const entry of view.blockCandidates(u.key)) out.push({ entry, blockIndex: entry.blockKeys.indexOf(u.key) });
    out.sort((a, b) => a.entry.seq - b.entry.seq || a.blockIndex - b.blockIndex);
  }
  return out.filter(
    (c) => c.entry.role === u.role && (!u.fromReply || replyId === undefined || c.entry.messageId === replyId),
  );
}

/**
 * Match wire units to transcript lines, in conversation order. Each unit takes the first line
 * with its content key that comes after the previous match, preferring one that descends
 * from it (so a prompt repeated verbatim maps to its own line, and a rewound branch is
 * followed). Only the reply being captured is narrowed by its Anthropic message id; history
 * carries no ids. Wire-only units are never matched.
 */
export function alignUnits(
  units: readonly WireUnit[],
  view: TranscriptView | undefined,
  replyId: string | undefined,
): Array<UnitMatch | undefined> {
  const out: Array<UnitMatch | undefined> = [];
  let cursor: UnitMatch | undefined;
  for (const u of units) {
    if (!view || u.wireOnly) {
      out.push(undefined);
      continue;
    }
    const after = candidates(view, u, replyId).filter((c) => isAfter(c, cursor));
    const match = after.find((c) => follows(view, c, cursor)) ?? after[0];
    out.push(match);
    if (match) cursor = match;
  }
  return out;
}
