/**
 * Writing imported history (`hyp claude import`, `hyp codex import`): an adapter reads a
 * client's own files and hands the gateway projections, batch by batch; the gateway writes
 * them with the live writer's row shape and dedupe key (`part_id`), identity (a supplied id,
 * else the fallback hash chained from `previousMessageId`) and match_key settlement. Imported
 * rows have no exchange (`exchange_id` NULL) and say where they came from in
 * `attributes.gateway` (`origin: "file"`, `file`).
 *
 * Sessions under a `hyp privacy ignore` folder are not written (as live capture drops them),
 * and `refreshPrices` prices the models the import wrote (`ai_model_prices`), so the imported
 * responses have a `cost_usd` before the daemon's next price refresh.
 *
 * Runs in the calling process (the CLI) while the daemon may be writing: each batch is one
 * short transaction, and the connection's busy timeout waits out the daemon's.
 */
import type Database from 'better-sqlite3';
import type { HistoryImport, HistoryImportBatch, HistoryImportResult } from './api-types.js';
import { parseGatewayConfig } from './config.js';
import { MESSAGES_DATASET, PROVISIONAL_DATASET } from './datasets.js';
import type { GatewayState } from './gateway-state.js';
import { readPriceOverrides } from './history/config-prices.js';
import { refreshModelPrices, type ModelPair } from './history/model-prices-table.js';
import { cwdIgnored, projectionScopes } from './privacy/ignore-filter.js';
import { ignoreListPath, readIgnoreList } from './privacy/ignore-list.js';
import { GatewayStore } from './recorder/gateway-store.js';
import { isoTime, planMessages } from './recorder/message-rows.js';

/** Live capture wrote a message under this key with a fallback id (and no native id replaced it). */
const FALLBACK_RECORDED_SQL = `SELECT 1 FROM "${PROVISIONAL_DATASET}"
  WHERE conversation_id = ? AND match_key = ? AND kind = 'fallback' LIMIT 1`;

/** An imported root: an earlier import of the conversation started its chain from nothing. */
const IMPORTED_ROOT_SQL = `SELECT 1 FROM "${MESSAGES_DATASET}"
  WHERE conversation_id = ? AND exchange_id IS NULL AND previous_message_id = '[]' LIMIT 1`;

/** The first message live capture stored for a conversation: a root (`[]`) written from an exchange. */
const WIRE_ROOT_SQL = `SELECT message_id FROM "${MESSAGES_DATASET}"
  WHERE conversation_id = ? AND exchange_id IS NOT NULL AND previous_message_id = '[]'
  ORDER BY message_created_at, message_index LIMIT 1`;

const MAX_REMEMBERED_STARTS = 1024;

export function openHistoryImport(state: GatewayState): HistoryImport {
  const { gatewayId } = parseGatewayConfig(state.ctx.config);
  const db = state.ctx.storage.driverDatabase<Database.Database>();
  const store = new GatewayStore(db);
  const importedRoot = db.prepare(IMPORTED_ROOT_SQL).pluck();
  const wireRoot = db.prepare(WIRE_ROOT_SQL).pluck();
  const fallbackRecorded = db.prepare(FALLBACK_RECORDED_SQL).pluck();
  /** conversation starts already looked up (an import writes one conversation in many batches) */
  const starts = new Map<string, string>();
  // read once: a damaged list is a clear error before anything is written (HypError)
  const ignoredRoots = readIgnoreList(ignoreListPath(state.ctx.paths.stateDir));
  /** sessions / conversations found under an ignored folder: their other batches go too */
  const ignoredScopes = new Set<string>();
  /** provider/model of the responses written (with usage), for refreshPrices */
  const written = new Map<string, ModelPair>();

  function ignored(batch: HistoryImportBatch): boolean {
    const scopes = projectionScopes(batch.projection);
    if (!cwdIgnored(batch.projection, ignoredRoots) && !scopes.some((s) => ignoredScopes.has(s))) return false;
    for (const s of scopes) ignoredScopes.add(s);
    return true;
  }

  function noteModel(batch: HistoryImportBatch): void {
    const { provider, model, messages } = batch.projection;
    if (model && messages.some((m) => m.usage !== undefined))
      written.set(`${provider}\u0000${model}`, { provider, model });
  }

  function writeBatch(batch: HistoryImportBatch): HistoryImportResult {
    const { projection } = batch;
    const conversation = projection.conversation_id;
    const result: HistoryImportResult = {
      messages_written: 0,
      messages_present: 0,
      messages_before_since: 0,
      messages_ignored: 0,
      rows_added: 0,
    };
    if (ignoredRoots.length > 0 && ignored(batch)) {
      result.messages_ignored = projection.messages.length;
      return result;
    }
    const firstTime = projection.messages.map((m) => isoTime(m.message_created_at)).find((t) => t !== undefined);
    const candidate = isoTime(projection.conversation_started_at) ?? firstTime ?? new Date().toISOString();
    const known = starts.get(conversation) ?? store.earliestConversationStart(conversation);
    const planned = planMessages(projection, {
      gatewayId,
      file: { path: batch.file, fallbackTime: candidate },
      conversationStartedAt: known !== undefined && known < candidate ? known : candidate,
      ...(batch.previousMessageId !== undefined ? { previousId: batch.previousMessageId } : {}),
    });
    if (starts.size >= MAX_REMEMBERED_STARTS) starts.clear();
    starts.set(conversation, known !== undefined && known < candidate ? known : candidate);
    const now = new Date().toISOString();
    const since = batch.since;
    planned.forEach((message) => {
      result.last_message_id = message.messageId;
      const createdAt = isoTime(projection.messages[message.index]?.message_created_at);
      if (since !== undefined && createdAt !== undefined && createdAt < since) {
        result.messages_before_since++;
        return;
      }
      // stored already: its settlement ran when it was written (live capture or an earlier import)
      if (store.messageStored(message.messageId, message.partCount)) {
        result.messages_present++;
        return;
      }
      if (message.matchKey !== undefined) {
        // two fallback ids for one message (Codex: live capture's chain starts at context the
        // file does not keep): the one stored first stays
        if (message.fallback && fallbackRecorded.get(conversation, message.matchKey) !== undefined) {
          result.messages_present++;
          return;
        }
        // a native id (the client's own record) replaces what live capture stored under the same key
        store.settleNative(conversation, message.matchKey, message.messageId, now);
      }
      const added = store.insertParts(message.buildRowValues());
      result.rows_added += added;
      if (added > 0) result.messages_written++;
      else result.messages_present++;
    });
    if (result.rows_added > 0) noteModel(batch);
    return result;
  }

  return {
    write: (batch) => db.transaction(() => writeBatch(batch))(),
    chainStart(conversationId) {
      // an earlier import that started from nothing: a re-import computes the same ids
      if (importedRoot.get(conversationId) !== undefined) return undefined;
      const root = wireRoot.get(conversationId);
      return typeof root === 'string' ? root : undefined;
    },
    refreshPrices() {
      if (written.size === 0) return undefined;
      return refreshModelPrices(db, readPriceOverrides(state.ctx.configPath), { pairs: written.values() });
    },
  };
}
