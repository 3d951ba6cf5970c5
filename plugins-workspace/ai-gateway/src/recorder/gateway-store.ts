/** Prepared SQL over the gateway's three tables (one instance per connection). */
import type Database from 'better-sqlite3';
import {
  EXCHANGES_DATASET,
  EXCHANGE_COLUMNS,
  MESSAGES_DATASET,
  MESSAGE_COLUMNS,
  PROVISIONAL_DATASET,
} from '../datasets.js';
import type { Row, SqlValue } from './message-rows.js';

/** The exchange columns holding the (compressed) bodies. */
const BODY_COLUMNS: readonly string[] = ['request_body', 'response_body'];

function insertSql(table: string, columns: readonly { name: string }[]): string {
  return `INSERT OR IGNORE INTO "${table}" (${columns.map((c) => `"${c.name}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

function bind(row: Row, columns: readonly { name: string }[]): SqlValue[] {
  return columns.map((c) => row[c.name] ?? null);
}

export class GatewayStore {
  readonly #insertPart: Database.Statement;
  readonly #partExists: Database.Statement;
  readonly #conversationStart: Database.Statement;
  readonly #insertExchange: Database.Statement;
  readonly #exchange: Database.Statement;
  readonly #exchangeBodies: Database.Statement;
  readonly #addRowsWritten: Database.Statement;
  readonly #nativeSettled: Database.Statement;
  readonly #fallbackIds: Database.Statement;
  readonly #deleteMessage: Database.Statement;
  readonly #deleteFallbacks: Database.Statement;
  readonly #insertProvisional: Database.Statement;

  constructor(db: Database.Database) {
    this.#insertPart = db.prepare(insertSql(MESSAGES_DATASET, MESSAGE_COLUMNS));
    this.#partExists = db.prepare(`SELECT 1 FROM "${MESSAGES_DATASET}" WHERE part_id = ?`).pluck();
    this.#conversationStart = db
      .prepare(`SELECT min(conversation_started_at) FROM "${MESSAGES_DATASET}" WHERE conversation_id = ?`)
      .pluck();
    this.#insertExchange = db.prepare(insertSql(EXCHANGES_DATASET, EXCHANGE_COLUMNS));
    // the bodies apart: a re-check the projector answers from memory reads no body
    const facts = EXCHANGE_COLUMNS.filter((c) => !BODY_COLUMNS.includes(c.name))
      .map((c) => `"${c.name}"`)
      .join(', ');
    this.#exchange = db.prepare(`SELECT ${facts} FROM "${EXCHANGES_DATASET}" WHERE exchange_id = ?`);
    this.#exchangeBodies = db.prepare(
      `SELECT ${BODY_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM "${EXCHANGES_DATASET}" WHERE exchange_id = ?`,
    );
    this.#addRowsWritten = db.prepare(
      `UPDATE "${EXCHANGES_DATASET}" SET rows_written = coalesce(rows_written, 0) + ? WHERE exchange_id = ?`,
    );
    this.#nativeSettled = db
      .prepare(
        `SELECT 1 FROM "${PROVISIONAL_DATASET}" WHERE conversation_id = ? AND match_key = ? AND kind = 'native' LIMIT 1`,
      )
      .pluck();
    this.#fallbackIds = db
      .prepare(
        `SELECT message_id FROM "${PROVISIONAL_DATASET}" WHERE conversation_id = ? AND match_key = ? AND kind = 'fallback'`,
      )
      .pluck();
    this.#deleteMessage = db.prepare(`DELETE FROM "${MESSAGES_DATASET}" WHERE message_id = ?`);
    this.#deleteFallbacks = db.prepare(
      `DELETE FROM "${PROVISIONAL_DATASET}" WHERE conversation_id = ? AND match_key = ? AND kind = 'fallback'`,
    );
    this.#insertProvisional = db.prepare(
      `INSERT OR IGNORE INTO "${PROVISIONAL_DATASET}" (conversation_id, match_key, message_id, kind, created_at) VALUES (?, ?, ?, ?, ?)`,
    );
  }

  /** Insert part rows (values in `MESSAGE_COLUMNS` order), skipping part_ids already stored; returns how many were new. */
  insertParts(rows: readonly SqlValue[][]): number {
    let added = 0;
    for (const values of rows) added += this.#insertPart.run(values).changes;
    return added;
  }

  /** Whether a message is stored (its last part exists: messages are written whole). */
  messageStored(messageId: string, partCount: number): boolean {
    return this.#partExists.get(`${messageId}#${partCount - 1}`) !== undefined;
  }

  earliestConversationStart(conversationId: string): string | undefined {
    const v = this.#conversationStart.get(conversationId);
    return typeof v === 'string' ? v : undefined;
  }

  insertExchange(row: Row): void {
    this.#insertExchange.run(bind(row, EXCHANGE_COLUMNS));
  }

  /** A stored exchange without its bodies (`exchangeBodies`). */
  exchange(exchangeId: string): Row | undefined {
    return this.#exchange.get(exchangeId) as Row | undefined;
  }

  /** The stored bodies of an exchange (`request_body`, `response_body`), or undefined once pruned. */
  exchangeBodies(exchangeId: string): Row | undefined {
    return this.#exchangeBodies.get(exchangeId) as Row | undefined;
  }

  addRowsWritten(exchangeId: string, rows: number): void {
    if (rows > 0) this.#addRowsWritten.run(rows, exchangeId);
  }

  nativeSettled(conversationId: string, matchKey: string): boolean {
    return this.#nativeSettled.get(conversationId, matchKey) !== undefined;
  }

  recordFallback(conversationId: string, matchKey: string, messageId: string, now: string): void {
    this.#insertProvisional.run(conversationId, matchKey, messageId, 'fallback', now);
  }

  /**
   * A message with its native id arrived for `matchKey`: delete the fallback rows written for
   * the same logical message and remember the key as settled. Returns the deleted message ids.
   */
  settleNative(conversationId: string, matchKey: string, nativeId: string, now: string): string[] {
    const fallbackIds = (this.#fallbackIds.all(conversationId, matchKey) as string[]).filter((id) => id !== nativeId);
    for (const id of fallbackIds) this.#deleteMessage.run(id);
    this.#deleteFallbacks.run(conversationId, matchKey);
    this.#insertProvisional.run(conversationId, matchKey, nativeId, 'native', now);
    return fallbackIds;
  }
}
