/**
 * The real Claude Code and Codex CLIs for the smokes, installed from the npm registry at the
 * exact versions of `real-client-versions.ts`, once per machine and version set.
 *
 * - Both packages go into one folder keyed by the versions:
 *   `$XDG_CACHE_HOME/hypaware-real-clients/<hash of the versions>/` (default `~/.cache`).
 *   A new version set gets a new folder; an old one is never half-updated in place.
 * - Safe for concurrent callers (node's test runner runs test files in parallel processes):
 *   one process installs under an exclusive-create lock file (heartbeat; a lock whose holder
 *   died or stopped beating is broken), the others wait for it. Correctness does not rest on
 *   the lock: the install goes into a private temporary folder, is verified there, and is
 *   renamed into place atomically, so nobody ever runs a binary npm or a postinstall is still
 *   writing (the `spawn ETXTBSY` a fresh machine used to hit), and a crash leaves no
 *   half-installed folder behind.
 * - `npm install` is retried (3 attempts, backoff) on transient failures. `{ why }` (for
 *   `t.skip`) only when the registry is really unreachable (the install failed with a network
 *   error and `npm ping` fails too); any other failure throws with the tail of npm's stderr.
 * - The installed versions are checked with `<bin> --version`; Claude Code's postinstall (which
 *   copies the native binary over `bin/claude.exe`) is checked that way too, and run by hand
 *   if npm skipped it (npm 11 warns "install scripts not yet covered by allowScripts").
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAL_CLIENT_PACKAGES, type RealClientName } from './real-client-versions.js';

export { REAL_CLIENT_PACKAGES, type RealClientName } from './real-client-versions.js';

export interface RunClientOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** written to stdin, which is then closed (stdin is always closed: `claude -p` waits on an open one) */
  input?: string;
  /** killed with SIGTERM after this long; default 120 s */
  timeoutMs?: number;
}

export interface ClientResult {
  /** exit code; null when a signal (or the timeout) ended the process */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** wall time of the (last) spawn, in milliseconds */
  ms: number;
}

const ETXTBSY_ATTEMPTS = 6;
const INSTALL_ATTEMPTS = 3;
const INSTALL_TIMEOUT_MS = 10 * 60_000;
/** the installer touches its lock this often; a lock not touched for LOCK_STALE_MS is broken */
const LOCK_HEARTBEAT_MS = 5_000;
const LOCK_STALE_MS = 60_000;
/** how long a waiter waits for another process's install before it gives up */
const LOCK_WAIT_MS = 25 * 60_000;
const NETWORK_ERROR =
  /\b(E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH|PIPE|SOCKETTIMEOUT)|ERR_SOCKET_TIMEOUT|UND_ERR_CONNECT_TIMEOUT|network)\b/i;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function attempt(
  file: string,
  args: string[],
  options: RunClientOptions,
): Promise<ClientResult & { spawnError?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const windowsShell = process.platform === 'win32' && /\.(cmd|bat)$/i.test(file);
    const child = execFile(
      file,
      args,
      {
        env: options.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        shell: windowsShell,
      },
      (err, stdout, stderr) => {
        const ms = Date.now() - started;
        const e = err as
          (NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals | null; killed?: boolean }) | null;
        if (!e) return resolve({ code: 0, signal: null, stdout, stderr, timedOut: false, ms });
        // A spawn failure (ENOENT, ETXTBSY, EACCES) has a string code and no process behind it.
        if (
          typeof e.code === 'string' &&
          (e as { errno?: unknown }).errno !== undefined &&
          e.syscall?.startsWith('spawn')
        ) {
          return resolve({
            code: null,
            signal: null,
            stdout,
            stderr: stderr || String(e.message),
            timedOut: false,
            ms,
            spawnError: e,
          });
        }
        const code = typeof e.code === 'number' ? e.code : null;
        resolve({ code, signal: e.signal ?? null, stdout, stderr, timedOut: Boolean(e.killed) && code === null, ms });
      },
    );
    child.stdin?.on('error', () => {}); // a client that exits without reading stdin
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * Run a client binary (or any program) and collect its output. Never rejects on a non-zero exit,
 * a signal or a timeout (assert on `code`). A spawn that fails with `ETXTBSY` (the binary was
 * still open for writing a moment ago) is retried a few times with a short backoff; any other
 * spawn failure (ENOENT, EACCES) rejects.
 */
export async function runClient(bin: string, args: string[], options: RunClientOptions = {}): Promise<ClientResult> {
  for (let i = 1; ; i++) {
    const r = await attempt(bin, args, options);
    if (!r.spawnError) return r;
    if (r.spawnError.code === 'ETXTBSY' && i < ETXTBSY_ATTEMPTS) {
      await sleep(100 * 2 ** (i - 1));
      continue;
    }
    throw new Error(`cannot run ${bin}: ${r.spawnError.message}`, { cause: r.spawnError });
  }
}

/** The cache folder of this version set (exported for diagnostics and tests). */
export function realClientsDir(): string {
  const base = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'hypaware-real-clients');
  const key = createHash('sha256').update(JSON.stringify(REAL_CLIENT_PACKAGES)).digest('hex').slice(0, 16);
  return join(base, key);
}

function binPath(dir: string, name: RealClientName): string {
  return join(
    dir,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? `${REAL_CLIENT_PACKAGES[name].bin}.cmd` : REAL_CLIENT_PACKAGES[name].bin,
  );
}

const READY = '.hypaware-ready.json';

function isReady(dir: string): boolean {
  try {
    return readFileSync(join(dir, READY), 'utf8') === JSON.stringify(REAL_CLIENT_PACKAGES);
  } catch {
    return false;
  }
}

/** `--version` of every client matches its pin; returns the problems (empty when fine). */
async function versionProblems(dir: string): Promise<string[]> {
  const home = mkdtempSync(join(tmpdir(), 'hyp-real-client-version-'));
  try {
    const problems: string[] = [];
    for (const name of Object.keys(REAL_CLIENT_PACKAGES) as RealClientName[]) {
      const { version } = REAL_CLIENT_PACKAGES[name];
      const bin = binPath(dir, name);
      if (!existsSync(bin)) {
        problems.push(`${name}: ${bin} is missing`);
        continue;
      }
      const env = {
        ...process.env,
        HOME: home,
        CODEX_HOME: join(home, '.codex'),
        CLAUDE_CONFIG_DIR: join(home, '.claude'),
        NO_COLOR: '1',
      };
      let r: ClientResult;
      try {
        r = await runClient(bin, ['--version'], { env, timeoutMs: 60_000 });
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
        continue;
      }
      const printed = `${r.stdout}${r.stderr}`.trim();
      if (r.code !== 0 || !new RegExp(`(^|[^\\d.])${version.replace(/\./g, '\\.')}([^\\d.]|$)`).test(r.stdout)) {
        problems.push(
          `${name}: \`${bin} --version\` exited ${r.code ?? r.signal} and printed ${JSON.stringify(printed.slice(-500))}, expected ${version}`,
        );
      }
    }
    return problems;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function npmCommand(): string {
  return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}

/** The environment for npm: without the variables an enclosing `npm test` sets for its own package. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  for (const key of Object.keys(env)) {
    if (
      /^npm_(package_|lifecycle_)|^npm_config_(local_prefix|prefix|global_prefix|workspaces?|include_workspace_root)$/i.test(
        key,
      )
    )
      delete env[key];
  }
  return env;
}

function tail(text: string, n = 3000): string {
  return text.length > n ? `…${text.slice(-n)}` : text;
}

/** `npm ping` without npm's own retries; `unreachable` only for a network-level failure (a registry without /-/ping is not). */
async function pingRegistry(): Promise<{ unreachable: boolean; detail: string }> {
  const r = await runClient(npmCommand(), ['ping', '--fetch-retries=0', '--fetch-timeout=20000'], {
    env: npmEnv(),
    timeoutMs: 60_000,
  });
  const text = `${r.stdout}${r.stderr}`;
  const code = /npm error code (\S+)/.exec(text)?.[1];
  const detail = code
    ? `npm ping: ${code}`
    : text
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== '' && !/complete log of this run/.test(l))
        .slice(-2)
        .join(' | ');
  return { unreachable: r.code !== 0 && NETWORK_ERROR.test(text), detail };
}

/** Install both pinned packages into `target` (a fresh folder), verify them; `{why}` when the registry is unreachable. */
async function installInto(target: string): Promise<{ why: string } | undefined> {
  mkdirSync(target, { recursive: true });
  const dependencies = Object.fromEntries(Object.values(REAL_CLIENT_PACKAGES).map((p) => [p.package, p.version]));
  writeFileSync(
    join(target, 'package.json'),
    `${JSON.stringify({ name: 'hypaware-real-clients', private: true, description: 'installed by harness/real-clients.ts', dependencies }, null, 2)}\n`,
  );
  // An unreachable registry costs npm install minutes of its own retries; a ping answers at once.
  const before = await pingRegistry();
  if (before.unreachable)
    return { why: `npm registry unreachable, cannot install the real clients (${before.detail})` };
  const args = [
    'install',
    '--prefix',
    target,
    '--no-audit',
    '--no-fund',
    '--ignore-scripts=false',
    '--include=optional',
    '--engine-strict=false',
    '--save=false',
    '--loglevel=warn',
  ];
  let last = '';
  for (let i = 1; i <= INSTALL_ATTEMPTS; i++) {
    const r = await runClient(npmCommand(), args, { env: npmEnv(), cwd: target, timeoutMs: INSTALL_TIMEOUT_MS });
    if (r.code === 0) break;
    last = `npm ${args.join(' ')} (attempt ${i}/${INSTALL_ATTEMPTS}) ${r.timedOut ? `timed out after ${INSTALL_TIMEOUT_MS} ms` : `exited ${r.code ?? r.signal}`}:\n${tail(r.stderr || r.stdout)}`;
    if (NETWORK_ERROR.test(r.stderr)) {
      const ping = await pingRegistry();
      const code = /npm error code (\S+)/.exec(r.stderr)?.[1] ?? 'a network error';
      if (ping.unreachable)
        return {
          why: `npm registry unreachable, cannot install the real clients (npm install: ${code}; ${ping.detail})`,
        };
    }
    if (i === INSTALL_ATTEMPTS)
      throw new Error(`installing the real clients into ${target} failed ${INSTALL_ATTEMPTS} times; last: ${last}`);
    rmSync(join(target, 'node_modules'), { recursive: true, force: true });
    await sleep(2_000 * 4 ** (i - 1));
  }
  let problems = await versionProblems(target);
  // Claude Code's bin/claude.exe is a placeholder until its postinstall copies the native binary
  // over it. npm 11 runs the script but warns about allowScripts; should a future npm skip it, run it.
  const claudeDir = join(target, 'node_modules', ...REAL_CLIENT_PACKAGES.claude.package.split('/'));
  if (problems.some((p) => p.startsWith('claude:')) && existsSync(join(claudeDir, 'install.cjs'))) {
    const r = await runClient(process.execPath, ['install.cjs'], { cwd: claudeDir, env: npmEnv(), timeoutMs: 120_000 });
    if (r.code !== 0)
      throw new Error(
        `Claude Code's postinstall (node install.cjs in ${claudeDir}) failed: ${tail(r.stderr || r.stdout)}`,
      );
    problems = await versionProblems(target);
  }
  if (problems.length > 0)
    throw new Error(`the real clients installed into ${target} are not the pinned versions:\n${problems.join('\n')}`);
  writeFileSync(join(target, READY), JSON.stringify(REAL_CLIENT_PACKAGES));
  return undefined;
}

interface LockInfo {
  token: string;
  pid: number;
  host: string;
  started: number;
}

function readLock(lock: string): { info?: LockInfo; mtimeMs: number } | undefined {
  try {
    const mtimeMs = statSync(lock).mtimeMs;
    let info: LockInfo | undefined;
    try {
      info = JSON.parse(readFileSync(lock, 'utf8')) as LockInfo;
    } catch {
      info = undefined; // being written
    }
    return { info, mtimeMs };
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryTakeLock(lock: string): LockInfo | undefined {
  const info: LockInfo = {
    token: randomBytes(8).toString('hex'),
    pid: process.pid,
    host: hostname(),
    started: Date.now(),
  };
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(info));
  } finally {
    closeSync(fd);
  }
  return info;
}

/** Break a lock whose holder died or stopped beating. Renaming first means two breakers cannot both remove a fresh lock. */
function breakIfStale(lock: string): void {
  const seen = readLock(lock);
  if (!seen) return;
  const deadHolder = seen.info !== undefined && seen.info.host === hostname() && !pidAlive(seen.info.pid);
  if (!deadHolder && Date.now() - seen.mtimeMs < LOCK_STALE_MS) return;
  const aside = `${lock}.stale-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lock, aside);
  } catch {
    return; // someone else broke it
  }
  const moved = readLock(aside);
  if (moved?.info && seen.info && moved.info.token !== seen.info.token) {
    // We moved a lock taken since we looked: put it back if its place is still free.
    if (!existsSync(lock)) {
      try {
        renameSync(aside, lock);
        return;
      } catch {
        /* fall through */
      }
    }
  }
  rmSync(aside, { force: true });
}

function releaseLock(lock: string, info: LockInfo): void {
  if (readLock(lock)?.info?.token === info.token) rmSync(lock, { force: true });
}

/** Remove temporary install folders that crashed runs left behind (their pid is gone). */
function sweepTemporaries(base: string, key: string): void {
  for (const entry of readdirSync(base)) {
    const m = new RegExp(`^\\.tmp-${key}-(\\d+)-`).exec(entry) ?? new RegExp(`^\\.old-${key}-`).exec(entry);
    if (m && (m[1] === undefined || !pidAlive(Number(m[1]))))
      rmSync(join(base, entry), { recursive: true, force: true });
  }
}

async function ensureInstalled(): Promise<{ dir: string } | { why: string }> {
  const dir = realClientsDir();
  const base = join(dir, '..');
  const key = dir.slice(base.length + 1);
  mkdirSync(base, { recursive: true });
  if (isReady(dir) && (await versionProblems(dir)).length === 0) return { dir };
  const lock = `${dir}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const mine = tryTakeLock(lock);
    if (mine) {
      const heartbeat = setInterval(() => {
        try {
          const now = new Date();
          utimesSync(lock, now, now);
        } catch {
          /* lock gone: the rename below still keeps the folder whole */
        }
      }, LOCK_HEARTBEAT_MS);
      try {
        if (isReady(dir)) {
          const problems = await versionProblems(dir);
          if (problems.length === 0) return { dir };
          // A damaged cache (files removed by hand, a partial copy): move it aside, install anew.
          renameSync(dir, join(base, `.old-${key}-${randomBytes(4).toString('hex')}`));
        } else if (existsSync(dir)) {
          renameSync(dir, join(base, `.old-${key}-${randomBytes(4).toString('hex')}`));
        }
        sweepTemporaries(base, key);
        const tmp = join(base, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
        try {
          const skipped = await installInto(tmp);
          if (skipped) return skipped;
          try {
            renameSync(tmp, dir);
          } catch (err) {
            // Someone installed it meanwhile (a broken lock): theirs is as good as ours.
            if (!isReady(dir)) throw err;
          }
          return { dir };
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
      } finally {
        clearInterval(heartbeat);
        releaseLock(lock, mine);
      }
    }
    if (isReady(dir) && !existsSync(lock)) return { dir };
    if (Date.now() > deadline)
      throw new Error(
        `waited ${LOCK_WAIT_MS} ms for another process installing the real clients (lock ${lock}, ${JSON.stringify(readLock(lock))})`,
      );
    breakIfStale(lock);
    await sleep(500);
  }
}

let installing: Promise<{ dir: string } | { why: string }> | undefined;

/**
 * The binary of a real client at its pinned version, installing both pinned clients on first
 * use. `{ why }` only when the npm registry is unreachable (skip the test with it); any other
 * failure throws.
 */
export async function realClient(name: 'claude' | 'codex'): Promise<{ bin: string } | { why: string }> {
  installing ??= ensureInstalled();
  let r: { dir: string } | { why: string };
  try {
    r = await installing;
  } catch (err) {
    installing = undefined; // a later caller may try again
    throw err;
  }
  if ('why' in r) {
    installing = undefined;
    return r;
  }
  return { bin: binPath(r.dir, name) };
}
