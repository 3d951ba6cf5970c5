import type { SyntheticHistoryPlan } from './synthetic-transcripts.js';

/** How much work each benchmark phase does: the full plan (~5 min on 2 cores) and a quick one for development. */
export interface BenchPlan {
  warmupRequests: number;
  latencyTrials: number;
  latencyRequestsPerTrial: number;
  bodyBytes: number;
  streamTrials: number;
  /** text deltas per stream; the protocol adds 5 framing events (50 events in all) */
  streamDeltas: number;
  streamIntervalMs: number;
  throughputConnections: number[];
  throughputMs: number;
  bigBodyBytes: number;
  bigBodyTrials: number;
  leakConnections: number;
  leakWarmupRequests: number;
  /** the leak run is sent in chunks of this many, the writer drained after each */
  leakChunkRequests: number;
  leakRequests: number;
  /** exchanges the writer phase feeds the writer alone */
  writerExchanges: number;
  /** rows of synthetic history the writer's second run starts on (a long-lived database) */
  writerHistoryRows: number;
  hookRuns: number;
  historyRows: number;
  /** synthetic transcripts for the import phase (bench/synthetic-transcripts.ts) */
  importClaude: SyntheticHistoryPlan;
  importCodex: SyntheticHistoryPlan;
}

export const FULL_PLAN: BenchPlan = {
  warmupRequests: 1500,
  latencyTrials: 10,
  latencyRequestsPerTrial: 150,
  bodyBytes: 20_000,
  streamTrials: 8,
  streamDeltas: 45,
  streamIntervalMs: 20,
  throughputConnections: [32, 64],
  throughputMs: 10_000,
  bigBodyBytes: 10 * 1024 * 1024,
  bigBodyTrials: 2,
  leakConnections: 16,
  leakWarmupRequests: 5000,
  leakChunkRequests: 2500,
  leakRequests: 20_000,
  writerExchanges: 6000,
  writerHistoryRows: 300_000,
  hookRuns: 50,
  historyRows: 1_000_000,
  // 1,000 sessions, about 200 MB of transcripts
  importClaude: { sessions: 1000, bytesPerSession: 200_000 },
  importCodex: { sessions: 200, bytesPerSession: 200_000 },
};

export const QUICK_PLAN: BenchPlan = {
  ...FULL_PLAN,
  warmupRequests: 300,
  latencyTrials: 3,
  latencyRequestsPerTrial: 100,
  streamTrials: 2,
  throughputMs: 2000,
  bigBodyTrials: 1,
  leakWarmupRequests: 500,
  leakChunkRequests: 500,
  leakRequests: 2000,
  writerExchanges: 2000,
  writerHistoryRows: 20_000,
  hookRuns: 10,
  historyRows: 50_000,
  importClaude: { sessions: 100, bytesPerSession: 200_000 },
  importCodex: { sessions: 20, bytesPerSession: 200_000 },
};
