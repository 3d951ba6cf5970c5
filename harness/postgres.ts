/**
 * A real PostgreSQL server for tests and the bench: Debian's `postgresql` binaries, a fresh
 * cluster in a temporary folder (`initdb`), the server on a free loopback port with its socket
 * in the same folder. Run as root, the cluster belongs to the `postgres` user (`runuser`).
 * TCP connections authenticate with a password (scram-sha-256), so a wrong password is refused
 * like on a team's server; the socket trusts, for the harness's own admin work.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, sep } from 'node:path';
import { tmpdir, userInfo } from 'node:os';
import pg from 'pg';
import { tempDir } from './repo.js';
import { waitFor } from './wait.js';

const CANDIDATE_BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];

/** The folder of `initdb`/`postgres`, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  const fromEnv = process.env.HYP_PG_BIN_DIR;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  return CANDIDATE_BIN_DIRS.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
}

/** Why tests that need PostgreSQL are skipped here, or undefined when they can run. */
export function postgresSkipReason(): string | undefined {
  if (postgresBinDir()) return undefined;
  return 'PostgreSQL server binaries not found (apt-get install postgresql; .ci/run installs them)';
}

export interface PostgresServer {
  /** `postgres://<user>@127.0.0.1:<port>/<database>` (no password: tests give it like a user would) */
  url: string;
  port: number;
  user: string;
  password: string;
  database: string;
  dataDir: string;
  /** a connected client as the superuser (close it) */
  connect(): Promise<pg.Client>;
  /** run one statement as the superuser and return its rows */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** stop the server (fast shutdown: open sessions end) */
  stop(): Promise<void>;
  /** start it again on the same port and data */
  start(): Promise<void>;
  /** `pg_dump` of the database as plain SQL */
  dump(): string;
  /** stop and forget the server (idempotent) */
  close(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

/** Run a server binary, as the `postgres` user when we are root. */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root, the cluster folder is handed to the `postgres` user, who must also be able to reach
 * it: the folders between the temp root and it get the search bit for others (no listing).
 */
function handToServerUser(dir: string): void {
  if (!isRoot()) return;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) throw new Error('running as root but there is no postgres user to run the server');
  chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  chmodSync(dir, 0o700);
  const root = realpathSync(tmpdir());
  const real = realpathSync(dir);
  let current = dirname(real);
  const steps = relative(root, current);
  if (steps.startsWith('..')) return;
  for (;;) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) chmodSync(current, (mode & 0o7777) | 0o001);
    if (current === root || current === sep) break;
    current = dirname(current);
  }
}

function run(bin: string, args: string[]): void {
  const [cmd, argv] = asServerUser(bin, args);
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

/** initdb a new cluster and start it on a free loopback port. */
export async function startPostgres(options: { password?: string; database?: string } = {}): Promise<PostgresServer> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error(postgresSkipReason());
  const base = tempDir('hyp-pg-');
  handToServerUser(base);
  const dataDir = join(base, 'data');
  const socketDir = join(base, 'sock');
  const user = 'hyp_admin';
  const password = options.password ?? 'pg-test-secret-0451';
  const database = options.database ?? 'team';
  const pwFile = join(base, 'pwfile');
  writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  if (isRoot()) handToServerUserFile(pwFile);
  mkdirSync(socketDir, { mode: 0o700 });
  if (isRoot()) handToServerUserFile(socketDir);
  run(join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    user,
    `--pwfile=${pwFile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const port = await freePort();
  const logFile = join(base, 'server.log');
  const pgCtl = join(binDir, 'pg_ctl');
  const serverOptions = [
    `-p ${port}`,
    `-k ${socketDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=40',
  ].join(' ');
  let running = false;

  const start = async () => {
    run(pgCtl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', serverOptions]);
    running = true;
    live.add(stopNow);
    await waitFor(
      async () => {
        const c = new pg.Client({ host: socketDir, port, user, database: 'postgres' });
        try {
          await c.connect();
          await c.end();
          return true;
        } catch {
          await c.end().catch(() => undefined);
          return false;
        }
      },
      'postgres to accept connections',
      30_000,
      100,
    );
  };
  // fast shutdown: open sessions are ended, no wait for clients to leave
  function stopNow(mode = 'fast'): void {
    if (!running) return;
    running = false;
    live.delete(stopNow);
    run(pgCtl, ['stop', '-w', '-m', mode, '-D', dataDir]);
  }
  const stop = async () => stopNow();
  await start();
  const admin = (db: string) => new pg.Client({ host: socketDir, port, user, database: db });
  const setup = admin('postgres');
  await setup.connect();
  await setup.query(`CREATE DATABASE "${database}"`);
  await setup.end();

  let closed = false;
  const server: PostgresServer = {
    url: `postgres://${user}@127.0.0.1:${port}/${database}`,
    port,
    user,
    password,
    database,
    dataDir,
    connect: async () => {
      const c = admin(database);
      await c.connect();
      return c;
    },
    query: async <T>(sql: string, params: unknown[] = []) => {
      const c = admin(database);
      await c.connect();
      try {
        return (await c.query(sql, params)).rows as T[];
      } finally {
        await c.end();
      }
    },
    stop,
    start,
    dump: () => {
      const r = spawnSync(
        join(binDir, 'pg_dump'),
        ['-h', socketDir, '-p', String(port), '-U', user, '--no-owner', database],
        {
          encoding: 'utf8',
          maxBuffer: 512 * 1024 * 1024,
        },
      );
      if (r.status !== 0) throw new Error(`pg_dump failed: ${r.stderr}`);
      return r.stdout;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await stop();
    },
  };
  return server;
}

function handToServerUserFile(path: string): void {
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  chownSync(path, uid, gid);
}

/** servers still running: stopped (immediate mode) when the test process exits */
const live = new Set<(mode?: string) => void>();
process.on('exit', () => {
  for (const stop of live) {
    try {
      stop('immediate');
    } catch {
      /* already gone */
    }
  }
});

/** The user tests run as (for messages). */
export const testUser = (): string => userInfo().username;
