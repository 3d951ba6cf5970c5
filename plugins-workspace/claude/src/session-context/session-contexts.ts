import { AppendedLines } from '../util/appended-lines.js';
import { LruCache } from '@hypaware/core';
import { singleFlight } from '../util/single-flight.js';
import { parseRecord, type SessionContextRecord } from './record.js';

/** Where a session was, at one point in time. */
export interface SessionPlace {
  cwd?: string;
  git_branch?: string;
}

interface SessionState {
  transcript_path?: string;
  /** cwd/branch changes, oldest first, bounded */
  places: Array<SessionPlace & { at: number }>;
}

export interface SessionContext extends SessionPlace {
  transcript_path?: string;
}

const MAX_PLACES = 16;
/** hook records and exchanges are stamped by different processes */
const CLOCK_SLACK_MS = 2000;

/**
 * The hook records of every session, read incrementally from the state file (only new
 * bytes; a compacted file is detected by its inode and read again) and kept by session id.
 * Memory is bounded: the least recently used sessions are dropped past `maxSessions`.
 */
export class SessionContexts {
  private readonly source: AppendedLines;
  private readonly sessions: LruCache<string, SessionState>;
  private readonly refresh = singleFlight(() => this.readNew());

  constructor(path: string, maxSessions = 4096) {
    this.source = new AppendedLines(path);
    this.sessions = new LruCache(maxSessions);
  }

  /** The session's transcript path and its cwd/branch at `atMs` (the place recorded last before then). */
  async get(sessionId: string, atMs: number): Promise<SessionContext | undefined> {
    await this.refresh();
    const state = this.sessions.get(sessionId);
    if (!state) return undefined;
    const place = [...state.places].reverse().find((p) => p.at <= atMs + CLOCK_SLACK_MS) ?? state.places[0];
    const out: SessionContext = {};
    if (state.transcript_path) out.transcript_path = state.transcript_path;
    if (place?.cwd) out.cwd = place.cwd;
    if (place?.git_branch) out.git_branch = place.git_branch;
    return out;
  }

  private async readNew(): Promise<void> {
    const { lines, reset } = await this.source.read();
    if (reset) this.sessions.clear();
    for (const line of lines) {
      const record = parseRecord(line);
      if (record) this.apply(record);
    }
  }

  private apply(record: SessionContextRecord): void {
    const state = this.sessions.get(record.session_id) ?? { places: [] };
    this.sessions.set(record.session_id, state);
    if (record.transcript_path && !record.agent_id) state.transcript_path = record.transcript_path;
    if (!record.cwd) return;
    const parsed = Date.parse(record.ts);
    const at = Number.isNaN(parsed) ? 0 : parsed;
    // records can arrive out of order (a compaction copies late lines after newer ones)
    let i = state.places.length;
    while (i > 0 && state.places[i - 1]!.at > at) i--;
    const before = state.places[i - 1];
    if (before && before.cwd === record.cwd && (!record.git_branch || before.git_branch === record.git_branch)) return;
    const place: SessionPlace & { at: number } = { at, cwd: record.cwd };
    if (record.git_branch) place.git_branch = record.git_branch;
    state.places.splice(i, 0, place);
    if (state.places.length > MAX_PLACES) state.places.shift();
  }
}
