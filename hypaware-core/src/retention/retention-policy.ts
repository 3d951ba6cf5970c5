/**
 * Retention: one setting per dataset, declared by the dataset's owner (`DatasetSpec.retention`)
 * and read from the config's top-level `retention` object, e.g. `{ "events_days": 90 }`.
 * Datasets may share a setting. Where the value comes from, first match wins:
 *   1. `retention.<configKey>` in the config (0 or null keeps everything);
 *   2. the owner's older name for it in its own slice, `plugins.<owner>.<pluginKey>` (0 keeps);
 *   3. the owner's `defaultDays` (null keeps everything).
 */
import type Database from 'better-sqlite3';
import type { JsonObject, RetentionSpec } from '../plugin-api.js';
import { HypError, errorMessage } from '../errors.js';
import { pluginSlice, type HypConfig } from '../config/config-file.js';
import { listStoredDatasets, type RegisteredDataset } from '../storage/datasets.js';

const MAX_DAYS = 100_000;
const CONFIG_KEY = /^[a-z][a-z0-9_]*$/;

/** The config's `retention` object, per declared key: days, or null (keep everything, or not set). */
export type RetentionPolicy = Record<string, number | null>;

/** Check a dataset's retention declaration; returns the first problem as a sentence. */
export function validateRetentionSpec(dataset: string, spec: RetentionSpec): string | undefined {
  if (typeof spec !== 'object' || spec === null) return `dataset ${dataset}: retention must be an object`;
  if (typeof spec.configKey !== 'string' || !CONFIG_KEY.test(spec.configKey))
    return `dataset ${dataset}: retention.configKey must be a lower-case config key like "events_days"`;
  if (
    spec.defaultDays !== null &&
    !(Number.isInteger(spec.defaultDays) && spec.defaultDays >= 1 && spec.defaultDays <= MAX_DAYS)
  ) {
    return `dataset ${dataset}: retention.defaultDays must be a whole number of days or null`;
  }
  if (spec.pluginKey !== undefined && (typeof spec.pluginKey !== 'string' || spec.pluginKey === ''))
    return `dataset ${dataset}: retention.pluginKey must be a key of the plugin's config`;
  return undefined;
}

/**
 * The config keys declared by the registered datasets and by those recorded in the database
 * (a disabled plugin's setting is not an unknown key), in declaration order.
 */
export function retentionKeys(registered: Iterable<RegisteredDataset>, db: Database.Database): string[] {
  const keys = new Set<string>();
  for (const d of [...registered, ...listStoredDatasets(db)])
    if (d.spec.retention) keys.add(d.spec.retention.configKey);
  return [...keys];
}

/**
 * The config's `retention` object, checked against the keys the datasets declare: an unknown key
 * or a value that is not a whole number of days (0 or null: keep everything) is a config error.
 */
export function parseRetention(raw: JsonObject | undefined, keys: string[]): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const key of keys) policy[key] = null;
  if (raw === undefined) return policy;
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key))
      throw new HypError(
        `config retention.${key}: unknown key (expected ${keys.join(', ') || 'none: no dataset declares a retention'})`,
        { kind: 'config_invalid' },
      );
  }
  for (const key of keys) {
    const value = raw[key];
    if (value === undefined || value === null || value === 0) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_DAYS) {
      throw new HypError(`config retention.${key}: must be a whole number of days (0 or null keeps everything)`, {
        kind: 'config_invalid',
      });
    }
    policy[key] = value;
  }
  return policy;
}

/** What applies to one dataset, and where it comes from. */
export interface RetentionLimit {
  dataset: string;
  config_key: string;
  /** null keeps everything */
  keep_days: number | null;
  from: 'retention' | 'plugin' | 'default';
}

/** The limit of every dataset that declares a retention (`policy` from `parseRetention`). */
export function retentionLimits(
  datasets: Iterable<RegisteredDataset>,
  config: HypConfig,
  policy: RetentionPolicy,
): RetentionLimit[] {
  const limits: RetentionLimit[] = [];
  for (const { spec, plugin } of datasets) {
    const r = spec.retention;
    if (!r) continue;
    const base = { dataset: spec.name, config_key: r.configKey };
    if (config.retention !== undefined && Object.hasOwn(config.retention, r.configKey)) {
      limits.push({ ...base, keep_days: policy[r.configKey] ?? null, from: 'retention' });
      continue;
    }
    const older = r.pluginKey === undefined ? undefined : pluginSlice(config, plugin).slice[r.pluginKey];
    // the owner's validateConfig checks its own key; anything else than whole days is ignored here
    if (typeof older === 'number' && Number.isInteger(older) && older >= 0 && older <= MAX_DAYS) {
      limits.push({ ...base, keep_days: older === 0 ? null : older, from: 'plugin' });
      continue;
    }
    limits.push({ ...base, keep_days: r.defaultDays, from: 'default' });
  }
  return limits;
}

/** What one dataset keeps, in the form the pruner needs. */
export interface RetentionTarget {
  dataset: string;
  /** the dataset's primary time column (ISO-8601 text) */
  timeColumn: string;
  keepDays: number;
  /** a plugin's hold: only rows with a rowid up to this may go (absent: no hold) */
  keepAfterRowid?: number;
  /** why rows are held (the holds' reasons and plugins) */
  holdReason?: string;
}

/** A hold as the kernel keeps it: `RetentionHold` and the plugin that registered it. */
export interface HoldSource {
  dataset: string;
  reason: string;
  plugin: string;
  keepAfterRowid(): number | undefined;
}

/**
 * Apply the plugins' holds to the targets: the lowest rowid any hold keeps after wins. A hold
 * that throws keeps the whole dataset (a replicator that cannot say what it shipped holds all).
 */
export function applyRetentionHolds(targets: RetentionTarget[], holds: readonly HoldSource[]): RetentionTarget[] {
  return targets.map((t) => {
    let keepAfter: number | undefined;
    const reasons = new Set<string>();
    for (const h of holds) {
      if (h.dataset !== t.dataset) continue;
      let rowid: number | undefined;
      let failure = '';
      try {
        rowid = h.keepAfterRowid();
      } catch (err) {
        rowid = 0;
        failure = ` (its hold failed: ${errorMessage(err)})`;
      }
      if (rowid === undefined) continue;
      const bounded = Number.isFinite(rowid) ? Math.max(0, Math.floor(rowid)) : 0;
      keepAfter = keepAfter === undefined ? bounded : Math.min(keepAfter, bounded);
      reasons.add(`${h.plugin}: ${h.reason}${failure}`);
    }
    return keepAfter === undefined ? t : { ...t, keepAfterRowid: keepAfter, holdReason: [...reasons].join('; ') };
  });
}

/** Pruning targets: the datasets with a limit. */
export function retentionTargets(
  datasets: Map<string, RegisteredDataset>,
  limits: RetentionLimit[],
): RetentionTarget[] {
  return limits.flatMap((l) => {
    const timeColumn = datasets.get(l.dataset)?.spec.primaryTime;
    return l.keep_days !== null && timeColumn !== undefined
      ? [{ dataset: l.dataset, timeColumn, keepDays: l.keep_days }]
      : [];
  });
}

/** Policy, limits and targets of the registered datasets under `config` (`hyp prune` and the daemon's schedule). */
export function retentionPlan(
  datasets: Map<string, RegisteredDataset>,
  db: Database.Database,
  config: HypConfig,
  holds: readonly HoldSource[] = [],
): { policy: RetentionPolicy; limits: RetentionLimit[]; targets: RetentionTarget[] } {
  const policy = parseRetention(config.retention, retentionKeys(datasets.values(), db));
  const limits = retentionLimits(datasets.values(), config, policy);
  return { policy, limits, targets: applyRetentionHolds(retentionTargets(datasets, limits), holds) };
}
