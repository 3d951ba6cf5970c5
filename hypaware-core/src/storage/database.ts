import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HypError } from '../errors.js';

/** Kernel-owned schema, versioned with `PRAGMA user_version`. */
const KERNEL_MIGRATIONS: Array<{ version: number; description: string; sql: string }> = [
  {
    version: 1,
    description: 'dataset registry and migration log',
    sql: `
      CREATE TABLE IF NOT EXISTS _hyp_datasets (
        name TEXT PRIMARY KEY,
        plugin TEXT NOT NULL,
        description TEXT,
        primary_time TEXT NOT NULL,
        spec_json TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS _hyp_migrations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        scope TEXT NOT NULL,
        description TEXT NOT NULL,
        applied_at TEXT NOT NULL
      );`,
  },
];

/** SQLite busy timeout in ms: 5000, or `HYP_DB_BUSY_TIMEOUT_MS` (tests shorten it). */
export function busyTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.HYP_DB_BUSY_TIMEOUT_MS;
  const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : 5000;
}

/** A SQLite failure on `path` as one line that says what to do. */
export function explainDatabaseError(path: string, err: unknown): HypError {
  const code = (err as { code?: string }).code ?? '';
  const msg = (err as Error).message ?? String(err);
  if (code === 'SQLITE_NOTADB' || /not a database/i.test(msg)) {
    return new HypError(
      `database ${path} is not a SQLite database; move it aside (HypAware will create a new one) or point HYP_HOME elsewhere`,
      { kind: 'db_not_sqlite' },
    );
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || /locked/i.test(msg)) {
    return new HypError(`database ${path} is locked by another process; stop it or retry in a moment`, {
      kind: 'db_locked',
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'EACCES' || /unable to open/i.test(msg)) {
    return new HypError(`database ${path} cannot be opened (${code || msg}); check that HYP_HOME is writable`, {
      kind: 'db_unopenable',
    });
  }
  if (code === 'SQLITE_READONLY' || /readonly/i.test(msg)) {
    return new HypError(`database ${path} is read-only; check its permissions`, { kind: 'db_readonly' });
  }
  return new HypError(`database ${path}: ${msg}`, { kind: 'db_error' });
}

/** Open the read-write database (WAL, owner-only) and apply the kernel's migrations. */
export function openDatabase(path: string, busyTimeout = busyTimeoutMs()): Database.Database {
  const isNew = !existsSync(path);
  if (isNew) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${busyTimeout}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (isNew) chmodSync(path, 0o600);
    migrateKernelSchema(db);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      /* ignore */
    }
    if (err instanceof HypError) throw err;
    throw explainDatabaseError(path, err);
  }
}

/** A read-only connection (for `hyp query`): writes are impossible at the SQLite level. */
export function openReadOnlyDatabase(path: string, busyTimeout = busyTimeoutMs()): Database.Database {
  if (!existsSync(path))
    throw new HypError(`no database yet at ${path}; start the daemon (hyp daemon start) to create it`, {
      kind: 'db_missing',
    });
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${busyTimeout}`);
    db.pragma('query_only = 1');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (err) {
    throw explainDatabaseError(path, err);
  }
}

function migrateKernelSchema(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of KERNEL_MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO _hyp_migrations (scope, description, applied_at) VALUES (?, ?, ?)').run(
        'kernel',
        `v${m.version}: ${m.description}`,
        new Date().toISOString(),
      );
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

/** Sidecar files SQLite creates in WAL mode, made owner-only like the database. */
export function restrictDatabaseFiles(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(f, 0o600);
    } catch {
      /* not there yet */
    }
  }
}
