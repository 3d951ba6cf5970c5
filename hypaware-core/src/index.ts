/** Public surface of the kernel for plugins: types plus a few runtime helpers. */
export type * from './plugin-api.js';
export { HypError, UsageError, errorMessage } from './errors.js';
export { writeFileAtomic } from './util/atomic-write.js';
export { parseDateOption } from './query/dates.js';
export { progressLine } from './query/progress-line.js';
export { jsonlLines, parseJsonlObject, type JsonlLine } from './history/jsonl-lines.js';
export { walkFiles, type WalkOptions } from './history/walk-files.js';
export {
  countSkip,
  emptySummary,
  importFolder,
  importProgress,
  importSummaryText,
  type ImportSummary,
} from './history/import-report.js';
export { writeRows, type RowFormat } from './cli/format-rows.js';
export { LruCache } from './util/lru-cache.js';
export { queryReadOnly, type ReadOnlyResult } from './query/read-only-query.js';
export { isPlainObject } from './util/plain-object.js';
export { jsonSizeEstimate, sameJson } from './util/json-equality.js';
export { ResentJsonParser, type ResentJsonOptions, type ResentJsonStats } from './util/resent-json.js';
export { workerServices, type WorkerServices, type WorkerServicesOptions } from './runtime/worker-services.js';
