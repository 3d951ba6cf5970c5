// `hyp daemon start|stop|restart|status` as real processes: the daemon runs detached (own
// session, stdin closed, output in logs/daemon.out.log), status exits 0 / 3, starting twice
// and stopping twice are one line and exit 0, stale pid files (dead or foreign pids) are
// replaced and never signalled, and a port held by another program is named with its holder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_TEST_CONFIG, runHyp, startDaemon } from '../../harness/daemon.js';
import { tempDir } from '../../harness/repo.js';
import { acceptsConnections, isRunning, killIfRunning, pidFileOf, readPid } from './daemon-fixtures.js';

function home(config: unknown = DEFAULT_TEST_CONFIG): string {
  const hypHome = tempDir('hyp-bg-');
  writeFileSync(join(hypHome, 'hypaware-config.json'), JSON.stringify(config));
  return hypHome;
}

const hyp = (hypHome: string, ...args: string[]) => runHyp(args, { hypHome });

function statusFile(hypHome: string): {
  pid: number;
  state: string;
  sources: Array<{ details?: { endpoint?: string } }>;
} {
  return JSON.parse(readFileSync(join(hypHome, 'hypaware', 'daemon.status.json'), 'utf8'));
}

/** A process that is not a HypAware daemon, to name in a pid file. */
function bystander(t: { after(fn: () => void): void }): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child.pid!;
}

test('start, status, start again, stop, status, stop again', async (t) => {
  const hypHome = home();
  t.after(() => killIfRunning(readPid(hypHome)));

  const started = await hyp(hypHome, 'daemon', 'start');
  assert.equal(started.code, 0, started.stderr);
  assert.equal(started.stderr, '');
  const pid = Number(/started \(pid (\d+)\)/.exec(started.stdout)?.[1]);
  assert.equal(readPid(hypHome), pid, 'the pid file names the daemon');
  const endpoint = statusFile(hypHome).sources.find((s) => s.details?.endpoint)?.details?.endpoint;
  assert.ok(endpoint, 'the status file names the endpoint');
  assert.ok(started.stdout.includes(`listening: ${endpoint}`), started.stdout);
  assert.ok(started.stdout.includes(join(hypHome, 'hypaware', 'logs', 'daemon.out.log')), started.stdout);
  assert.equal(statusFile(hypHome).state, 'running');
  assert.ok(await acceptsConnections(endpoint), 'the gateway listens when start returns');

  // detached: its own session, stdin closed, stdout and stderr in the output log
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  assert.equal(session, pid, 'the daemon leads its own session');
  assert.equal(readlinkSync(`/proc/${pid}/fd/0`), '/dev/null');
  const outLog = join(hypHome, 'hypaware', 'logs', 'daemon.out.log');
  assert.equal(readlinkSync(`/proc/${pid}/fd/1`), outLog);
  assert.equal(readlinkSync(`/proc/${pid}/fd/2`), outLog);

  const status = await hyp(hypHome, 'daemon', 'status');
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`^HypAware daemon: running \\(pid ${pid}, up \\d+s\\)`));
  const json = await hyp(hypHome, 'daemon', 'status', '--json');
  assert.equal(json.code, 0);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(report), [
    'running',
    'state',
    'pid',
    'launched_by',
    'started_at',
    'uptime_s',
    'endpoint',
    'endpoints',
    'hyp_home',
    'config_path',
    'log_file',
    'output_log',
    'sources',
    'problems',
    'stale_pid_file',
    'service',
  ]);
  assert.equal(report.running, true);
  assert.equal(report.pid, pid);
  assert.equal(report.launched_by, 'cli');
  assert.equal(report.endpoint, endpoint);
  assert.equal(typeof report.uptime_s, 'number');
  assert.equal(report.log_file, join(hypHome, 'hypaware', 'logs', 'hypaware.jsonl'));

  const again = await hyp(hypHome, 'daemon', 'start');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`^HypAware daemon is already running \\(pid ${pid}\\)`));
  assert.equal(readPid(hypHome), pid, 'no second daemon');

  // an idle daemon is gone within 5 s: stop would exit 1 past its --timeout
  const stopped = await hyp(hypHome, 'daemon', 'stop', '--timeout', '5');
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, new RegExp(`^stopped the HypAware daemon \\(pid ${pid}\\) in \\d+\\.\\d+ s\\n$`));
  assert.equal(isRunning(pid), false, 'the process is gone');
  assert.equal(await acceptsConnections(endpoint), false, 'the port is closed');
  assert.equal(existsSync(pidFileOf(hypHome)), false);
  assert.equal(statusFile(hypHome).state, 'stopped');

  const after = await hyp(hypHome, 'daemon', 'status');
  assert.equal(after.code, 3);
  assert.match(after.stdout, /^HypAware daemon: not running/);
  assert.equal(JSON.parse((await hyp(hypHome, 'daemon', 'status', '--json')).stdout).running, false);

  const twice = await hyp(hypHome, 'daemon', 'stop');
  assert.deepEqual([twice.code, twice.stderr], [0, '']);
  assert.equal(twice.stdout, `no HypAware daemon is running (HYP_HOME ${hypHome})\n`);
});

test('restart replaces the running daemon', async (t) => {
  const hypHome = home();
  t.after(() => killIfRunning(readPid(hypHome)));
  assert.equal((await hyp(hypHome, 'daemon', 'start')).code, 0);
  const first = readPid(hypHome)!;
  const restarted = await hyp(hypHome, 'daemon', 'restart');
  assert.equal(restarted.code, 0, restarted.stderr);
  const second = readPid(hypHome)!;
  assert.notEqual(second, first);
  assert.equal(isRunning(first), false);
  assert.match(
    restarted.stdout,
    new RegExp(`stopped the HypAware daemon \\(pid ${first}\\)[^\\n]*\\nHypAware daemon started \\(pid ${second}\\)`),
  );
  assert.equal((await hyp(hypHome, 'daemon', 'stop')).code, 0);
});

test('a pid file naming a dead process is reported and replaced', async (t) => {
  const hypHome = home();
  t.after(() => killIfRunning(readPid(hypHome)));
  const dead = await new Promise<number>((resolve) => {
    const c = spawn(process.execPath, ['-e', '0']);
    c.on('exit', () => resolve(c.pid!));
  });
  mkdirSync(join(hypHome, 'hypaware'), { recursive: true });
  writeFileSync(pidFileOf(hypHome), `${dead}\n`);

  const status = await hyp(hypHome, 'daemon', 'status');
  assert.equal(status.code, 3);
  assert.match(status.stdout, new RegExp(`stale pid file: pid ${dead} is not running`));

  const started = await hyp(hypHome, 'daemon', 'start');
  assert.equal(started.code, 0, started.stderr);
  assert.equal(started.stderr, `hyp: removed a stale pid file (pid ${dead} is not running)\n`);
  assert.notEqual(readPid(hypHome), dead);
  assert.equal((await hyp(hypHome, 'daemon', 'stop')).code, 0);

  writeFileSync(pidFileOf(hypHome), `${dead}\n`);
  const stop = await hyp(hypHome, 'daemon', 'stop');
  assert.equal(stop.code, 0);
  assert.equal(stop.stdout, `no HypAware daemon is running; removed a stale pid file (pid ${dead} is not running)\n`);
  assert.equal(existsSync(pidFileOf(hypHome)), false);

  writeFileSync(pidFileOf(hypHome), 'not a pid\n');
  const garbage = await hyp(hypHome, 'daemon', 'stop');
  assert.equal(garbage.code, 0);
  assert.match(garbage.stdout, /removed a stale pid file \(the pid file holds no pid \("not a pid"\)\)/);
});

test('a pid file naming another program: reported, replaced, never signalled', async (t) => {
  const hypHome = home();
  t.after(() => killIfRunning(readPid(hypHome)));
  const other = bystander(t);
  mkdirSync(join(hypHome, 'hypaware'), { recursive: true });
  writeFileSync(pidFileOf(hypHome), `${other}\n`);

  const status = await hyp(hypHome, 'daemon', 'status', '--json');
  assert.equal(status.code, 3);
  assert.match(
    JSON.parse(status.stdout).stale_pid_file,
    new RegExp(`^pid ${other} is another program \\(.*setInterval.*\\), not a HypAware daemon`),
  );

  const stop = await hyp(hypHome, 'daemon', 'stop');
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(
    stop.stdout,
    new RegExp(
      `^no HypAware daemon is running; removed a stale pid file \\(pid ${other} is another program .* it was not signalled\\)\\n$`,
    ),
  );
  assert.equal(isRunning(other), true, 'the other program was not signalled');

  writeFileSync(pidFileOf(hypHome), `${other}\n`);
  const started = await hyp(hypHome, 'daemon', 'start');
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stderr, new RegExp(`^hyp: removed a stale pid file \\(pid ${other} is another program`));
  const pid = readPid(hypHome)!;
  assert.notEqual(pid, other);
  assert.equal((await hyp(hypHome, 'daemon', 'stop')).code, 0);
  assert.equal(isRunning(other), true, 'still not signalled');
});

test('the foreground daemon also starts over a pid file naming another program', async (t) => {
  const hypHome = home();
  const other = bystander(t);
  mkdirSync(join(hypHome, 'hypaware'), { recursive: true });
  writeFileSync(pidFileOf(hypHome), `${other}\n`);
  const daemon = await startDaemon({ hypHome });
  t.after(() => daemon.stop());
  assert.equal(readPid(hypHome), daemon.proc.pid);
  const stale = await daemon.waitForLog('daemon.stale_pid_file');
  assert.match(String(stale.message), new RegExp(`pid ${other} is another program`));
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null });
  assert.equal(isRunning(other), true);
});

test('start with the port held by another program: one line naming the port and the holder, exit 1', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const hypHome = home({ plugins: { '@hypaware/ai-gateway': { listen: `127.0.0.1:${port}` } } });
  t.after(() => killIfRunning(readPid(hypHome)));

  const started = await hyp(hypHome, 'daemon', 'start');
  assert.equal(started.code, 1);
  assert.equal(started.stdout, '');
  const lines = started.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, started.stderr);
  assert.match(lines[0]!, /^hyp: the daemon did not start: /);
  assert.ok(lines[0]!.includes(`127.0.0.1:${port}`), lines[0]);
  assert.ok(lines[0]!.includes(`port ${port} is held by pid ${process.pid} (`), lines[0]);
  assert.doesNotMatch(started.stderr, /\n\s+at /, 'no stack trace');
  assert.equal((await hyp(hypHome, 'daemon', 'status')).code, 3, 'nothing is left running');
});

test("start with a broken config: the daemon's own error in one line, exit 1", async () => {
  const hypHome = home();
  writeFileSync(join(hypHome, 'hypaware-config.json'), '{"plugins": ');
  const started = await hyp(hypHome, 'daemon', 'start');
  assert.equal(started.code, 1);
  assert.match(
    started.stderr,
    /^hyp: the daemon did not start: config .*hypaware-config\.json: not valid JSON .*\(output: .*daemon\.out\.log\)\n$/,
  );
  assert.equal((await hyp(hypHome, 'daemon', 'status')).code, 3);
});

test('start with --config passes the file to the daemon', async (t) => {
  const hypHome = tempDir('hyp-bg-');
  const config = join(tempDir('hyp-bg-config-'), 'elsewhere.json');
  writeFileSync(config, JSON.stringify(DEFAULT_TEST_CONFIG));
  t.after(() => killIfRunning(readPid(hypHome)));
  const started = await runHyp(['--config', config, 'daemon', 'start'], { hypHome });
  assert.equal(started.code, 0, started.stderr);
  const report = JSON.parse((await hyp(hypHome, 'daemon', 'status', '--json')).stdout);
  assert.equal(report.config_path, config);
  assert.equal((await hyp(hypHome, 'daemon', 'stop')).code, 0);
});

test('bad flags are usage errors (exit 2, one line)', async () => {
  const hypHome = home();
  for (const args of [
    ['daemon', 'start', '--timeout', 'soon'],
    ['daemon', 'stop', '--timeout', '-1'],
    ['daemon', 'run'],
    ['daemon', 'status', '--jsn'],
  ]) {
    const r = await hyp(hypHome, ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, r.stderr);
    assert.match(r.stderr, /^hyp: /);
  }
});

test('start with a HYP_HOME that cannot be written: one line, exit 1', async () => {
  const file = join(tempDir('hyp-bg-file-'), 'a-file');
  writeFileSync(file, '');
  const r = await runHyp(['daemon', 'start'], { hypHome: join(file, 'home') });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `hyp: HYP_HOME ${join(file, 'home')} is not writable (ENOTDIR); set HYP_HOME to a folder you own\n`,
  );
});
