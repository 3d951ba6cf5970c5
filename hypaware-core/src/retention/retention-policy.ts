import type { JsonObject } from '../plugin-api.js';
import { HypError } from '../errors.js';
import { EXCHANGES_DATASET, MESSAGES_DATASET } from '../query/dataset-names.js';

/** Days to keep; null keeps everything. */
export interface RetentionPolicy {
  messages_days: number | null;
  exchanges_days: number | null;
}

/**
 * Defaults: nothing is deleted unless configured. Messages are the history people keep; raw
 * exchanges already have the gateway's own limit (plugins["@hypaware/ai-gateway"].exchange_retention_days,
 * applied by its writer), so `exchanges_days` is only an extra, kernel-level limit when set.
 */
export const DEFAULT_RETENTION: RetentionPolicy = { messages_days: null, exchanges_days: null };

const KEYS = ['messages_days', 'exchanges_days'] as const;

/** The config's top-level `retention` object: `{ "messages_days": 90, "exchanges_days": 14 }` (0 or null: keep). */
export function parseRetention(raw: JsonObject | undefined): RetentionPolicy {
  const policy: RetentionPolicy = { ...DEFAULT_RETENTION };
  if (raw === undefined) return policy;
  for (const key of Object.keys(raw)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new HypError(`config retention.${key}: unknown key (expected ${KEYS.join(', ')})`, { kind: 'config_invalid' });
  }
  for (const key of KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (value === null || value === 0) {
      policy[key] = null;
      continue;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000) {
      throw new HypError(`config retention.${key}: must be a whole number of days (0 or null keeps everything)`, { kind: 'config_invalid' });
    }
    policy[key] = value;
  }
  return policy;
}

/** What one dataset keeps, in the form the pruner needs. */
export interface RetentionTarget {
  dataset: string;
  /** the dataset's primary time column (ISO-8601 text) */
  timeColumn: string;
  keepDays: number;
}

/** Targets for the datasets that exist and have a limit. */
export function retentionTargets(policy: RetentionPolicy, primaryTimeOf: (dataset: string) => string | undefined): RetentionTarget[] {
  const wanted: Array<[string, number | null]> = [[MESSAGES_DATASET, policy.messages_days], [EXCHANGES_DATASET, policy.exchanges_days]];
  return wanted.flatMap(([dataset, keepDays]) => {
    const timeColumn = primaryTimeOf(dataset);
    return keepDays !== null && timeColumn !== undefined ? [{ dataset, timeColumn, keepDays }] : [];
  });
}
