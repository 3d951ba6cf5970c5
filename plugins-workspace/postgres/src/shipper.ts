/**
 * The shipping loop: follows each shipped dataset by rowid from its durable cursor, one bounded
 * batch per dataset per round, each batch one PostgreSQL transaction; the cursor is written
 * locally only after PostgreSQL committed (at-least-once delivery, and `ON CONFLICT DO NOTHING`
 * on the key makes it exactly-once rows). Any failure (server down, wrong password, missing
 * permission) closes the connection, is recorded with its repair, and is retried with a growing
 * wait; capture never waits on any of it: the backlog stays in SQLite.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { CostSql } from '@hypaware/ai-gateway';
import { errorMessage, type DatasetSpec, type Logger, type Meter } from '@hypaware/core';
import { BatchReader, DEFAULT_BATCH_BYTES, type Batch } from './batch-reader.js';
import { BatchWriter } from './batch-writer.js';
import { describeTarget, type PostgresConfig } from './config.js';
import { connect } from './connection.js';
import { explainError } from './error-repair.js';
import type { MachineIdentity } from './identity.js';
import { ensureReplicaSchema } from './pg-schema.js';
import { mirroredDatasets, shippedDatasets, type ShippedDataset } from './shipped-datasets.js';
import { readState, writeState, type ShipperState } from './state-store.js';
import { stateTarget } from './target.js';
import { TableMirror } from './table-mirror.js';
import { TOMBSTONES_DATASET, TombstoneReader, ensureTombstoneTriggers } from './tombstones.js';
import { ident } from './connection.js';

export interface ShipperOptions {
  config: PostgresConfig;
  env: NodeJS.ProcessEnv;
  /** the registered dataset specs (the shipped ones are picked from them) */
  specs: DatasetSpec[];
  /** the gateway's cost rule, for `cost_usd` in the replica's views (absent: the views have no cost) */
  costSql?: CostSql;
  identity: MachineIdentity;
  stateDir: string;
  /** a connection to the local database (the shipper only reads through it) */
  db: Database.Database;
  log: Logger;
  version: string;
  /** counters (`postgres.rows_shipped`), when the host persists them */
  meter?: Meter;
  /** bytes of column text per batch at most */
  batchBytes?: number;
  /** called when the status changed (after a round, an error, a recovery) */
  onStatus?(status: ShipperStatus): void;
}

export interface DatasetLag {
  name: string;
  /** highest local rowid committed in PostgreSQL */
  cursor: number;
  /** local rows not shipped yet */
  backlog_rows: number;
  /** primary time of the oldest of them */
  oldest_unshipped_at?: string;
  /** rows PostgreSQL took as new since the state began */
  shipped_rows: number;
}

export interface ShipperStatus {
  state: 'connecting' | 'shipping' | 'idle' | 'failing' | 'stopped';
  target: string;
  machine_id: string;
  user_name: string;
  datasets: DatasetLag[];
  refused_rows: number;
  last_success_at?: string;
  last_error?: ShipperState['last_error'];
}

const INITIAL_BACKOFF_MS = 500;
/** the same failure is logged again at most this often (the status always has the latest) */
const ERROR_LOG_EVERY_MS = 60_000;

export class Shipper {
  #options: ShipperOptions;
  #datasets: ShippedDataset[];
  #readers: BatchReader[] = [];
  #writers: BatchWriter[] = [];
  #mirrors: TableMirror[] = [];
  #tombstones: TombstoneReader | undefined;
  /** per dataset: the next batch, read while PostgreSQL took the previous one (valid from `from`) */
  #prefetched: Array<{ from: number; batch: Batch } | undefined> = [];
  #state: ShipperState;
  #client: pg.Client | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #backoffMs = INITIAL_BACKOFF_MS;
  #phase: ShipperStatus['state'] = 'connecting';
  #lastLogged: { message: string; at: number } | undefined;
  /** the config changed: reconnect before the next round */
  #stale = false;

  constructor(options: ShipperOptions) {
    this.#options = options;
    this.#datasets = shippedDatasets(options.specs, options.config.includeBodies);
    this.#state = readState(options.stateDir, stateTarget(options.config));
    this.#prepare();
  }

  #prepare(): void {
    const { config, db, identity } = this.#options;
    this.#datasets = shippedDatasets(this.#options.specs, config.includeBodies);
    this.#readers = this.#datasets.map((d) => new BatchReader(db, d));
    this.#writers = this.#datasets.map((d) => new BatchWriter(config.schema, d, identity));
    this.#mirrors = mirroredDatasets(this.#options.specs).map((d) => new TableMirror(db, config.schema, d, identity));
    this.#prefetched = [];
    if (this.#options.specs.some((s) => s.name === TOMBSTONES_DATASET)) {
      ensureTombstoneTriggers(db, this.#datasets);
      this.#tombstones = new TombstoneReader(db, this.#datasets);
    }
  }

  /** Start the loop in the background. */
  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stop after the batch in flight (its cursor is kept if it committed). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    await this.#closeClient();
    this.#phase = 'stopped';
    this.#emit();
  }

  /** A new config (SIGHUP): reconnect with it; another target starts from its own cursors. */
  reload(config: PostgresConfig): void {
    this.#options = { ...this.#options, config };
    this.#state = readState(this.#options.stateDir, stateTarget(config));
    this.#prepare();
    // the connection in use finishes its batch; the next round connects with the new config
    this.#stale = true;
    this.refresh();
  }

  /** Retry now (SIGHUP with the same config: a fixed password file is read by the next connection). */
  refresh(): void {
    this.#backoffMs = INITIAL_BACKOFF_MS;
    this.#wake?.();
  }

  /** Ship until no local row is left behind (tests and the bench); throws the first failure. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const shipped = await this.#round();
      total += shipped;
      if (shipped === 0) return total;
    }
  }

  status(): ShipperStatus {
    const { identity, config } = this.#options;
    const datasets = this.#datasets.map((d, i) => {
      const cursor = this.#state.cursors[d.name] ?? 0;
      const lag = this.#readers[i]!.backlog(cursor);
      return {
        name: d.name,
        cursor,
        backlog_rows: lag.rows,
        ...(lag.oldest ? { oldest_unshipped_at: lag.oldest } : {}),
        shipped_rows: this.#state.shipped_rows[d.name] ?? 0,
      };
    });
    return {
      state: this.#phase,
      target: describeTarget(config),
      machine_id: identity.machine_id,
      user_name: identity.user_name,
      datasets,
      refused_rows: this.#state.refused_rows,
      ...(this.#state.last_success_at ? { last_success_at: this.#state.last_success_at } : {}),
      ...(this.#state.last_error ? { last_error: this.#state.last_error } : {}),
    };
  }

  #emit(): void {
    if (!this.#options.onStatus) return;
    try {
      this.#options.onStatus(this.status());
    } catch (err) {
      this.#options.log.warn('postgres.status_failed', { error: errorMessage(err) });
    }
  }

  async #closeClient(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connected(): Promise<pg.Client> {
    if (this.#stale) {
      this.#stale = false;
      await this.#closeClient();
    }
    if (this.#client) return this.#client;
    const { config, env, specs, identity, version, log, costSql } = this.#options;
    this.#phase = 'connecting';
    const client = await connect(config, env, 'hypaware-shipper');
    try {
      const tables = [...this.#datasets, ...this.#mirrors.map((m) => m.dataset)];
      const changes = await ensureReplicaSchema(client, config.schema, tables, specs, identity, version, costSql);
      for (const change of changes) log.info('postgres.migrated', { change, target: describeTarget(config) });
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.#client = client;
    return client;
  }

  /** One batch per dataset; resolves with the rows read (0: nothing left to ship). */
  async #round(): Promise<number> {
    const client = await this.#connected();
    const { config, log, stateDir, batchBytes } = this.#options;
    let read = 0;
    for (let i = 0; i < this.#datasets.length && !this.#stopped; i++) {
      const dataset = this.#datasets[i]!;
      const reader = this.#readers[i]!;
      let cursor = this.#state.cursors[dataset.name] ?? 0;
      // the newest rows were deleted (a purge, a new database): rowids below the cursor come back
      const max = reader.maxRowid();
      if (max < cursor) cursor = max;
      const bytes = batchBytes ?? DEFAULT_BATCH_BYTES;
      const prefetched = this.#prefetched[i];
      this.#prefetched[i] = undefined;
      const settledBefore = dataset.settleColumn ? new Date(Date.now() - config.settleMs).toISOString() : undefined;
      const batch =
        prefetched && prefetched.from === cursor
          ? prefetched.batch
          : reader.read(cursor, config.batchRows, bytes, settledBefore);
      if (batch.rows === 0) {
        if (cursor !== (this.#state.cursors[dataset.name] ?? 0)) this.#state.cursors[dataset.name] = cursor;
        continue;
      }
      this.#phase = 'shipping';
      const writing = this.#writers[i]!.write(client, batch);
      // the INSERT is on its way: read the next batch while PostgreSQL works on this one
      await new Promise((resolve) => setImmediate(resolve));
      if (batch.rows >= config.batchRows)
        this.#prefetched[i] = {
          from: batch.lastRowid,
          batch: reader.read(batch.lastRowid, config.batchRows, bytes, settledBefore),
        };
      const result = await writing;
      // PostgreSQL committed: now, and only now, the cursor moves
      this.#state.cursors[dataset.name] = batch.lastRowid;
      this.#state.shipped_rows[dataset.name] = (this.#state.shipped_rows[dataset.name] ?? 0) + result.inserted;
      this.#options.meter?.counter('postgres.rows_shipped').add(result.inserted, { dataset: dataset.name });
      if (result.refused > 0) {
        this.#state.refused_rows += result.refused;
        log.error('postgres.rows_refused', {
          dataset: dataset.name,
          refused: result.refused,
          keys: result.refusedKeys,
          message: 'PostgreSQL refused these rows even after repairing their values; they were skipped',
        });
      }
      this.#state.last_success_at = new Date().toISOString();
      delete this.#state.last_error;
      writeState(stateDir, this.#state);
      read += batch.rows;
    }
    if (!this.#stopped) read += await this.#applyTombstones(client);
    // not counted as rows read: a mirrored table is replaced in one go, never left behind
    if (!this.#stopped) await this.#mirror(client);
    return read;
  }

  /** Replace this machine's copy of each mirrored table whose local content changed. */
  async #mirror(client: pg.Client): Promise<void> {
    for (const mirror of this.#mirrors) {
      const name = mirror.dataset.name;
      const snapshot = mirror.snapshot();
      if (this.#state.mirrored?.[name] === snapshot.fingerprint) continue;
      const rows = await mirror.replace(client, snapshot);
      this.#state.mirrored = { ...this.#state.mirrored, [name]: snapshot.fingerprint };
      this.#state.last_success_at = new Date().toISOString();
      writeState(this.#options.stateDir, this.#state);
      this.#options.log.info('postgres.mirrored', { dataset: name, rows });
    }
  }

  /**
   * Delete from the replica the rows deleted locally (settled provisional rows), and step a
   * dataset's cursor back where a deleted row had a rowid it already passed: SQLite gives the
   * rowids of deleted newest rows to the next inserts, which the next round must read. Returns
   * the tombstones read.
   */
  async #applyTombstones(client: pg.Client): Promise<number> {
    if (!this.#tombstones) return 0;
    const { config, identity } = this.#options;
    const cursor = this.#state.cursors[TOMBSTONES_DATASET] ?? 0;
    const { gone, all, lastRowid } = this.#tombstones.read(cursor, config.batchRows);
    if (lastRowid === cursor) return 0;
    await client.query('BEGIN');
    try {
      for (const dataset of this.#datasets) {
        const keys = gone.filter((t) => t.dataset === dataset.name).map((t) => t.key);
        if (keys.length === 0 || dataset.key.length !== 1) continue;
        const result = await client.query(
          `DELETE FROM ${ident(config.schema)}.${ident(dataset.name)} WHERE hyp_machine_id = $1 AND ${ident(dataset.key[0]!)} = ANY($2::text[])`,
          [identity.machine_id, keys],
        );
        this.#state.deleted_rows = (this.#state.deleted_rows ?? 0) + (result.rowCount ?? 0);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    for (const dataset of this.#datasets) {
      const passed = all
        .filter((t) => t.dataset === dataset.name && t.rowRowid <= (this.#state.cursors[dataset.name] ?? 0))
        .map((t) => Number(t.rowRowid));
      if (passed.length > 0) this.#state.cursors[dataset.name] = Math.min(...passed) - 1;
    }
    this.#state.cursors[TOMBSTONES_DATASET] = lastRowid;
    writeState(this.#options.stateDir, this.#state);
    // a batch read before these deletes may hold a deleted row: read it again
    this.#prefetched = [];
    return lastRowid - cursor;
  }

  #recordError(err: unknown): void {
    const { config, log, stateDir } = this.#options;
    const explained = explainError(err, config);
    this.#state.last_error = { at: new Date().toISOString(), ...explained };
    this.#phase = 'failing';
    try {
      writeState(stateDir, this.#state);
    } catch (writeErr) {
      log.error('postgres.state_write_failed', { error: errorMessage(writeErr) });
    }
    const now = Date.now();
    if (this.#lastLogged?.message !== explained.message || now - this.#lastLogged.at > ERROR_LOG_EVERY_MS) {
      this.#lastLogged = { message: explained.message, at: now };
      log.warn('postgres.ship_failed', {
        target: describeTarget(config),
        error: explained.message,
        ...(explained.code ? { code: explained.code } : {}),
        repair: explained.repair,
        retry_in_ms: this.#backoffMs,
      });
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.#wake === done) self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  async #loop(): Promise<void> {
    let lastEmit = 0;
    while (!this.#stopped) {
      let shipped = 0;
      try {
        const hadError = this.#state.last_error !== undefined || this.#phase === 'failing';
        shipped = await this.#round();
        if (hadError) {
          this.#options.log.info('postgres.recovered', { target: describeTarget(this.#options.config) });
          this.#lastLogged = undefined;
          if (this.#state.last_error) {
            delete this.#state.last_error;
            writeState(this.#options.stateDir, this.#state);
          }
        }
        this.#backoffMs = INITIAL_BACKOFF_MS;
        if (shipped === 0) this.#phase = 'idle';
      } catch (err) {
        await this.#closeClient();
        this.#recordError(err);
        this.#emit();
        lastEmit = Date.now();
        await this.#sleep(this.#backoffMs);
        this.#backoffMs = Math.min(this.#backoffMs * 2, this.#options.config.maxBackoffMs);
        continue;
      }
      // while a backlog drains, the status (which counts it) is reported every 10 s
      if (shipped === 0 || Date.now() - lastEmit > 10_000) {
        this.#emit();
        lastEmit = Date.now();
      }
      if (shipped === 0) await this.#sleep(this.#options.config.pollMs);
    }
  }
}
