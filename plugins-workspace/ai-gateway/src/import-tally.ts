/** An adapter's import summary (`hyp claude import`, `hyp codex import`) after one batch the gateway wrote. */
import { countSkip, type ImportSummary } from '@hypaware/core';
import type { HistoryImportResult } from './api-types.js';

/** Add a batch's result: written and present messages, rows; messages not written (before --since, ignored folder) as skips. */
export function tallyImportResult(summary: ImportSummary, r: HistoryImportResult): void {
  summary.messages_added += r.messages_written;
  summary.messages_present += r.messages_present;
  summary.rows_added += r.rows_added;
  summary.messages -= r.messages_before_since + r.messages_ignored;
  if (r.messages_before_since > 0) countSkip(summary, 'before_since', r.messages_before_since);
  if (r.messages_ignored > 0) countSkip(summary, 'ignored', r.messages_ignored);
}
