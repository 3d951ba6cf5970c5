/**
 * The writer's work for a batch of exchanges: decode, redact, project, compute identity, and
 * write message rows and exchange rows in one transaction. Logs `aigw.exchange` and counts
 * `aigw.exchange_bytes` for every exchange, written or not. Runs in the writer thread.
 */
import type Database from 'better-sqlite3';
import { errorMessage, LruCache, type Logger, type Meter } from '@hypaware/core';
import type { ExchangeInput } from '../api-types.js';
import type { ExchangeRecord } from '../exchange-record.js';
import { reportExchange, reportWriteFailure } from '../exchange-report.js';
import type { ProjectorEntry } from '../projector-entries.js';
import { decodeExchange, storedExchangeInput, type DecodedExchange, type HeaderViews } from './decoded-exchange.js';
import { exchangeFacts, type ExchangeFacts } from './exchange-facts.js';
import { MESSAGES_DATASET } from '../datasets.js';
import { GatewayStore } from './gateway-store.js';
import { secretHeaderNames } from './header-redaction.js';
import { HistoryIdentityMemo } from './message-identity.js';
import { isoTime, planMessages, type Row } from './message-rows.js';
import { IgnoreFilter } from '../privacy/ignore-filter.js';
import { dispatchProjectors, type DispatchResult } from './projector-dispatch.js';
import { RecentIds } from './recent-ids.js';
import { RecheckQueue } from './recheck-queue.js';
import { SegmentedGzip } from './segmented-gzip.js';
import { storageFailureReason } from './storage-failures.js';
import type { ModelPair } from '../history/model-prices-table.js';

export interface WriterSettings {
  gatewayId: string;
  redactHeaders: string[];
  /** the `hyp privacy ignore` list file (privacy/ignore-list.ts); absent: nothing ignored */
  privacyFile?: string;
}

export interface ExchangeWriterDeps {
  database(): Database.Database;
  log: Logger;
  meter: Meter;
  /** projectors in dispatch order */
  projectors(): readonly ProjectorEntry[];
  settings: WriterSettings;
}

export type BatchOutcome =
  | {
      ok: true;
      rowsWritten: number;
      /** provider/model of the responses whose usage rows this batch wrote (the daemon prices a new one at once) */
      models?: ModelPair[];
    }
  | { ok: false; reason: string; message: string; reported: string[] };

/** A projector may ask for at most this many re-projections of one exchange. */
export const MAX_RECHECKS = 3;

/** The writer counts as busy for this long after a batch: due re-checks wait meanwhile. */
const BUSY_WINDOW_MS = 200;

/**
 * An exchange projected and compressed, waiting for its transaction: the decoded exchange
 * without its body text, decoded bytes and parsed events (exchange-facts.ts says why).
 */
interface Prepared extends Omit<DecodedExchange, 'input' | 'requestBody' | 'responseBody'> {
  facts: ExchangeFacts;
  /** the projector header views (a re-check gives them to the projectors again) */
  views: HeaderViews;
  /** content-encoding still on the stored bytes (decoding failed), else null */
  requestEncoding: string | null;
  responseEncoding: string | null;
  dispatch: DispatchResult;
  requestBody: Buffer | null;
  responseBody: Buffer | null;
}

interface WriteEffects {
  rowsWritten: number;
  /** `provider\u0000model` of a message with usage written */
  model?: string;
  stored: string[];
  deleted: string[];
  start?: [string, string];
}

/** A pending re-check holds only ids and header views: the bodies are read back from the exchange row. */
interface Recheck {
  exchangeId: string;
  attempt: number;
  views: HeaderViews;
}

/** Whose previous request a request body is compared with: its conversation at its upstream. */
function bodyKey(record: ExchangeRecord, dispatch: DispatchResult): string | undefined {
  const conversation = dispatch.projection?.conversation_id;
  return conversation ? `${record.upstream ?? ''}\u0000${conversation}` : undefined;
}

/** The facts of a stored exchange: its event count from its column (the events stay unparsed). */
function storedFacts(input: ExchangeInput, row: Row): ExchangeFacts {
  return exchangeFacts(input, typeof row.stream_event_count === 'number' ? row.stream_event_count : null);
}

function modelPairs(keys: Set<string>): ModelPair[] {
  return [...keys].map((k) => {
    const [provider, model] = k.split('\u0000') as [string, string];
    return { provider, model };
  });
}

function flag(v: boolean): number {
  return v ? 1 : 0;
}

export class ExchangeWriter {
  readonly #deps: ExchangeWriterDeps;
  #settings: WriterSettings;
  #secrets: Set<string>;
  readonly #stores = new WeakMap<Database.Database, GatewayStore>();
  /** message ids known to be stored (a cache: the table is the truth) */
  readonly #stored = new RecentIds(50_000);
  readonly #conversationStarts = new LruCache<string, string>(10_000);
  readonly #identities = new HistoryIdentityMemo();
  /**
   * Stored bodies: fast gzip (the writer's CPU is shared with the proxy on small machines); a
   * request compresses only what its conversation's previous request did not send.
   */
  readonly #gzip = new SegmentedGzip();
  readonly #rechecks: RecheckQueue<Recheck>;
  readonly #ignore: IgnoreFilter;
  #lastBatchAt = 0;

  constructor(deps: ExchangeWriterDeps) {
    this.#deps = deps;
    this.#settings = deps.settings;
    this.#secrets = secretHeaderNames(deps.settings.redactHeaders);
    this.#ignore = new IgnoreFilter(deps.settings.privacyFile, deps.log, deps.meter);
    this.#rechecks = new RecheckQueue((r) => this.#recheck(r), {
      maxItems: 4096,
      maxDelayMs: 10 * 60 * 1000,
      deferWhile: () => Date.now() - this.#lastBatchAt < BUSY_WINDOW_MS,
      deferMs: BUSY_WINDOW_MS,
    });
  }

  updateSettings(settings: WriterSettings): void {
    this.#settings = settings;
    this.#secrets = secretHeaderNames(settings.redactHeaders);
  }

  #store(): GatewayStore {
    const db = this.#deps.database();
    let store = this.#stores.get(db);
    if (!store) {
      store = new GatewayStore(db);
      this.#stores.set(db, store);
    }
    return store;
  }

  async writeBatch(records: ExchangeRecord[]): Promise<BatchOutcome> {
    this.#lastBatchAt = Date.now();
    try {
      return await this.#writeBatch(records);
    } finally {
      this.#lastBatchAt = Date.now();
    }
  }

  async #writeBatch(records: ExchangeRecord[]): Promise<BatchOutcome> {
    const prepared: Prepared[] = [];
    for (const record of records) prepared.push(await this.#prepare(record));
    let db: Database.Database;
    let store: GatewayStore;
    try {
      db = this.#deps.database();
      store = this.#store();
    } catch (err) {
      return this.#storageFailed(prepared, storageFailureReason(err) ?? 'db_unavailable', err);
    }
    let effects: WriteEffects[];
    try {
      effects = db.transaction(() => prepared.map((p) => this.#writeExchange(store, p)))();
    } catch (err) {
      const reason = storageFailureReason(err);
      if (reason) return this.#storageFailed(prepared, reason, err);
      return this.#writeOneByOne(db, store, prepared);
    }
    let rows = 0;
    const models = new Set<string>();
    prepared.forEach((p, i) => {
      this.#applyEffects(effects[i]!);
      rows += effects[i]!.rowsWritten;
      if (effects[i]!.model !== undefined) models.add(effects[i]!.model!);
      this.#report(p, effects[i]!.rowsWritten);
      this.#scheduleRecheck(p.record.exchange_id, p.views, p.dispatch, 1);
    });
    return models.size > 0
      ? { ok: true, rowsWritten: rows, models: modelPairs(models) }
      : { ok: true, rowsWritten: rows };
  }

  /** After a non-storage failure of the batch: each exchange alone; a failing one keeps at least its exchange row. */
  #writeOneByOne(db: Database.Database, store: GatewayStore, prepared: Prepared[]): BatchOutcome {
    let rows = 0;
    for (const p of prepared) {
      try {
        const effects = db.transaction(() => this.#writeExchange(store, p))();
        this.#applyEffects(effects);
        rows += effects.rowsWritten;
        this.#report(p, effects.rowsWritten);
        this.#scheduleRecheck(p.record.exchange_id, p.views, p.dispatch, 1);
      } catch (err) {
        const reason = storageFailureReason(err);
        if (reason) return this.#storageFailed([p], reason, err);
        reportWriteFailure(p.record, 'row_rejected', errorMessage(err), this.#deps.log, this.#deps.meter);
        try {
          store.insertExchange(this.#exchangeRow(p, 0, `messages not written: ${errorMessage(err)}`));
        } catch {
          /* nothing more to save */
        }
        this.#report(p, 0, 'row_rejected');
      }
    }
    return { ok: true, rowsWritten: rows };
  }

  async #prepare(record: ExchangeRecord): Promise<Prepared> {
    const { input, requestBody, responseBody, ...kept } = decodeExchange(record, this.#secrets);
    const dispatch = await dispatchProjectors(this.#deps.projectors(), input, this.#deps.log, 0);
    return {
      ...kept,
      facts: exchangeFacts(input),
      views: { request: input.request_headers, response: input.response_headers },
      requestEncoding: requestBody?.encoding ?? null,
      responseEncoding: responseBody?.encoding ?? null,
      dispatch,
      requestBody: requestBody?.bytes.length
        ? this.#gzip.compress(
            requestBody.bytes,
            // an ignored conversation's body is not kept in memory for the next turn
            this.#ignore.drops(dispatch.projection) ? undefined : bodyKey(record, dispatch),
          )
        : null,
      responseBody: responseBody?.bytes.length ? this.#gzip.compress(responseBody.bytes, undefined) : null,
    };
  }

  #writeExchange(store: GatewayStore, p: Prepared): WriteEffects {
    if (this.#ignore.drops(p.dispatch.projection)) return { rowsWritten: 0, stored: [], deleted: [] };
    const effects = this.#writeMessages(store, p.facts, p.dispatch);
    store.insertExchange(this.#exchangeRow(p, effects.rowsWritten));
    return effects;
  }

  /** Message rows of one projection (inside a transaction); part_id dedupe plus match_key settlement. */
  #writeMessages(store: GatewayStore, input: ExchangeFacts, dispatch: DispatchResult): WriteEffects {
    const effects: WriteEffects = { rowsWritten: 0, stored: [], deleted: [] };
    const projection = dispatch.projection;
    if (!projection) return effects;
    const conversation = projection.conversation_id;
    const startedAt = this.#conversationStart(
      store,
      conversation,
      isoTime(projection.conversation_started_at) ?? input.ts_start,
    );
    effects.start = [conversation, startedAt];
    const now = new Date().toISOString();
    const planned = planMessages(projection, {
      gatewayId: this.#settings.gatewayId,
      exchange: input,
      conversationStartedAt: startedAt,
      identities: this.#identities,
      // re-sent history is the common case: a cached id needs no SQL at all (its settlement,
      // if any, ran when it was first written), and is not even planned
      known: (id) => this.#stored.has(id),
    });
    for (const message of planned) {
      if (message.matchKey !== undefined) {
        if (message.fallback && store.nativeSettled(conversation, message.matchKey)) continue;
        if (!message.fallback)
          effects.deleted.push(...store.settleNative(conversation, message.matchKey, message.messageId, now));
      }
      if (store.messageStored(message.messageId, message.partCount)) {
        effects.stored.push(message.messageId);
        continue;
      }
      const added = store.insertParts(message.buildRowValues());
      effects.rowsWritten += added;
      if (added > 0 && typeof projection.model === 'string' && projection.messages[message.index]?.usage)
        effects.model = `${projection.provider}\u0000${projection.model}`;
      if (message.fallback && message.matchKey !== undefined)
        store.recordFallback(conversation, message.matchKey, message.messageId, now);
      effects.stored.push(message.messageId);
    }
    return effects;
  }

  #conversationStart(store: GatewayStore, conversation: string, candidate: string): string {
    const known = this.#conversationStarts.get(conversation) ?? store.earliestConversationStart(conversation);
    return known !== undefined && known < candidate ? known : candidate;
  }

  /** Caches change only once the transaction committed. */
  #applyEffects(effects: WriteEffects): void {
    for (const id of effects.stored) this.#stored.add(id);
    for (const id of effects.deleted) this.#stored.delete(id);
    if (effects.start) this.#conversationStarts.set(effects.start[0], effects.start[1]);
  }

  #exchangeRow(p: Prepared, rowsWritten: number, extraError?: string): Row {
    const { dispatch } = p;
    const r = p.record;
    const error = [p.error, extraError].filter((e) => e).join('; ') || null;
    return {
      exchange_id: r.exchange_id,
      gateway_id: this.#settings.gatewayId,
      ts_start: r.ts_start,
      ts_end: r.ts_end,
      duration_ms: r.duration_ms,
      ttfb_ms: r.ttfb_ms ?? null,
      upstream: r.upstream,
      provider: r.provider,
      method: r.method,
      path: r.path,
      status_code: r.status_code,
      request_bytes: r.request_bytes,
      response_bytes: r.response_bytes,
      request_truncated: flag(r.request_truncated),
      response_truncated: flag(r.response_truncated),
      is_sse: flag(p.facts.is_sse),
      stream_event_count: p.facts.stream_event_count,
      request_headers: JSON.stringify(p.requestHeaders),
      response_headers: p.responseHeaders ? JSON.stringify(p.responseHeaders) : null,
      request_body: p.requestBody,
      response_body: p.responseBody,
      request_body_encoding: p.requestEncoding,
      response_body_encoding: p.responseEncoding,
      response_content_encoding: p.responseContentEncoding,
      error,
      aborted: flag(r.aborted),
      projector: dispatch.projector ?? null,
      rows_written: rowsWritten,
      skip_reason: dispatch.skipReason,
      metadata: JSON.stringify(p.facts.metadata),
      date: r.ts_start.slice(0, 10),
    };
  }

  /** `aigw.exchange` and its counters, once per exchange. */
  #report(p: Prepared, rowsWritten: number, writeFailed?: string): void {
    if (p.record.reported) return;
    reportExchange(
      p.record,
      {
        is_sse: p.facts.is_sse,
        rows_written: rowsWritten,
        projector: p.dispatch.projector ?? null,
        skip_reason: p.dispatch.skipReason,
        error: p.error,
        ...(writeFailed ? { write_failed: writeFailed } : {}),
        ...(p.devRunId ? { dev_run_id: p.devRunId } : {}),
      },
      this.#deps.log,
      this.#deps.meter,
    );
    if (rowsWritten > 0)
      this.#deps.meter.counter('aigw.rows_written').add(rowsWritten, { hyp_dataset: MESSAGES_DATASET });
  }

  #storageFailed(prepared: Prepared[], reason: string, err: unknown): BatchOutcome {
    const message = errorMessage(err);
    if (reason === 'db_full') this.#shrinkWal();
    const reported: string[] = [];
    for (const p of prepared) {
      const r = p.record;
      if (!r.reported) {
        reportWriteFailure(r, reason, message, this.#deps.log, this.#deps.meter);
        this.#report(p, 0, reason);
      }
      reported.push(r.exchange_id);
    }
    return { ok: false, reason, message, reported };
  }

  #scheduleRecheck(exchangeId: string, views: HeaderViews, dispatch: DispatchResult, attempt: number): void {
    const delay = dispatch.projection?.recheck_after_ms;
    if (typeof delay !== 'number' || attempt > MAX_RECHECKS) return;
    if (!this.#rechecks.schedule(exchangeId, { exchangeId, attempt, views }, delay)) {
      this.#deps.log.warn('aigw.recheck_dropped', { exchange_id: exchangeId, attempt, reason: 'queue_full' });
    }
  }

  async #recheck({ exchangeId, attempt, views }: Recheck): Promise<void> {
    try {
      const store = this.#store();
      const row = store.exchange(exchangeId);
      if (!row) return; // pruned meanwhile
      const input = storedExchangeInput(row, views, () => store.exchangeBodies(exchangeId));
      const dispatch = await dispatchProjectors(this.#deps.projectors(), input, this.#deps.log, attempt);
      const effects = this.#deps.database().transaction(() => {
        const e = this.#writeMessages(store, storedFacts(input, row), dispatch);
        store.addRowsWritten(exchangeId, e.rowsWritten);
        return e;
      })();
      this.#applyEffects(effects);
      this.#deps.log.info('aigw.recheck', {
        exchange_id: exchangeId,
        attempt,
        rows_written: effects.rowsWritten,
        projector: dispatch.projector ?? null,
      });
      this.#scheduleRecheck(exchangeId, views, dispatch, attempt + 1);
    } catch (err) {
      this.#deps.log.warn('aigw.recheck_failed', {
        exchange_id: exchangeId,
        attempt,
        reason: storageFailureReason(err) ?? 'error',
        error: errorMessage(err),
      });
    }
  }

  /**
   * `hyp reproject`: project one stored exchange again with the projectors of this process
   * and write what is missing (part_id dedupe and match_key settlement as for live traffic).
   * The header views are the stored (redacted) headers. A dry run rolls the transaction back.
   */
  async reprojectStored(
    row: Row,
    options: { dryRun: boolean },
  ): Promise<{ rowsAdded: number; skipReason: string | null; projector: string | null }> {
    const store = this.#store();
    const parse = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as HeaderViews['request']) : null);
    const input = storedExchangeInput(row, {
      request: parse(row.request_headers) ?? {},
      response: parse(row.response_headers),
    });
    const dispatch = await dispatchProjectors(this.#deps.projectors(), input, this.#deps.log, MAX_RECHECKS + 1);
    const db = this.#deps.database();
    const rollback = new Error('dry run');
    let effects: WriteEffects | undefined;
    try {
      effects = db.transaction(() => {
        const e = this.#writeMessages(store, storedFacts(input, row), dispatch);
        if (options.dryRun) {
          effects = e;
          throw rollback;
        }
        if (e.rowsWritten > 0) store.addRowsWritten(input.exchange_id, e.rowsWritten);
        return e;
      })();
      this.#applyEffects(effects);
    } catch (err) {
      if (err !== rollback) throw err;
    }
    return {
      rowsAdded: effects?.rowsWritten ?? 0,
      skipReason: dispatch.skipReason,
      projector: dispatch.projector ?? null,
    };
  }

  /** A full disk may hold a large write-ahead log: fold it into the database and truncate it. */
  #shrinkWal(): void {
    try {
      this.#deps.database().pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      /* the next retry reports the condition */
    }
  }

  /** Re-checks waiting for their time (a parked writer would lose them). */
  get pendingRechecks(): number {
    return this.#rechecks.size;
  }

  /** At shutdown: give pending re-checks their last chance now. */
  flushRechecks(): Promise<void> {
    return this.#rechecks.flush();
  }
}
