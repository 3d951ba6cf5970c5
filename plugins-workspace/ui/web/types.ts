/** The JSON the server's routes answer (see plugins-workspace/ui/src/history). */
export type { SessionSummary } from '../src/history/session-summary.js';
export type { ReplayPart, ReplayPage } from '../src/history/session-replay.js';
import type { SessionSummary } from '../src/history/session-summary.js';

export interface SessionsPage {
  sessions: SessionSummary[];
  has_more: boolean;
  offset: number;
  search?: { indexed: number; pending: number };
}

export type { DayUsage, Overview } from '@hypaware/ai-gateway';
