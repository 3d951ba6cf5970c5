// `hyp daemon install|uninstall [--dry-run]` against a fake `systemctl` first on PATH and a
// temporary HOME: the unit's content, the exact tool calls, refusal without a user manager,
// a unit removed by hand, and the uninstall steps plugins register (a failing one is one line
// and the others still run). The launchd plan is checked in-process with a fake launchctl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runHyp } from '../../harness/daemon.js';
import { HYP_BIN, tempDir } from '../../harness/repo.js';
import { configWithoutBundled, fixturePlugin } from '../kernel/kernel-fixtures.js';
import { fakeServiceTool, kernelModule, pathWith, type FakeTool } from './daemon-fixtures.js';
import type * as ServiceFiles from '../../hypaware-core/src/daemon/service-files.js';
import type * as ServiceInstall from '../../hypaware-core/src/daemon/service-install.js';
import type * as PortHolder from '../../hypaware-core/src/daemon/port-holder.js';

interface Setup {
  home: string;
  hypHome: string;
  unit: string;
  tool: FakeTool;
  env: Record<string, string | undefined>;
}

function setup(options: { noManager?: boolean; config?: unknown } = {}): Setup {
  const home = tempDir('hyp-svc-home-');
  const hypHome = tempDir('hyp-svc-');
  writeFileSync(join(hypHome, 'hypaware-config.json'), JSON.stringify(options.config ?? configWithoutBundled()));
  const tool = fakeServiceTool('systemctl', options);
  return {
    home,
    hypHome,
    tool,
    unit: join(home, '.config', 'systemd', 'user', 'hypaware.service'),
    env: {
      HOME: home,
      PATH: pathWith(tool.dir),
      XDG_CONFIG_HOME: undefined,
      CLAUDE_CONFIG_DIR: undefined,
      CODEX_HOME: undefined,
    },
  };
}

const hyp = (s: Setup, ...args: string[]) => runHyp(args, { hypHome: s.hypHome, env: s.env });

test('install --dry-run prints the unit and the commands and changes nothing', async () => {
  const s = setup();
  const r = await hyp(s, 'daemon', 'install', '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.ok(r.stdout.includes(`# would write ${s.unit}:\n`), r.stdout);
  assert.ok(r.stdout.includes(`\nExecStart=${process.execPath} ${HYP_BIN} daemon run --foreground\n`), r.stdout);
  assert.ok(r.stdout.includes(`\nEnvironment=HYP_HOME=${s.hypHome}\n`), r.stdout);
  assert.match(r.stdout, /\nRestart=on-failure\n/);
  assert.match(r.stdout, /\nWantedBy=default\.target\n/);
  assert.ok(
    r.stdout.endsWith('# would run:\nsystemctl --user daemon-reload\nsystemctl --user enable --now hypaware.service\n'),
    r.stdout,
  );
  assert.equal(existsSync(s.unit), false);
  assert.deepEqual(s.tool.calls(), ['--user show-environment'], 'only the read-only probe ran');
});

test('install --dry-run without a user manager still prints, and notes install would refuse', async () => {
  const s = setup({ noManager: true });
  const r = await hyp(s, 'daemon', 'install', '--dry-run');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /\[Service\]/);
  assert.match(
    r.stderr,
    /^hyp: note: systemctl --user show-environment cannot reach a user service manager \(Failed to connect to bus: No medium found\): install would refuse here; run `hyp daemon start`/,
  );
});

test('install writes and enables the unit; uninstall disables and removes it', async () => {
  const s = setup();
  const installed = await hyp(s, 'daemon', 'install');
  assert.equal(installed.code, 0, installed.stderr);
  assert.deepEqual(s.tool.calls(), [
    '--user show-environment',
    '--user daemon-reload',
    '--user enable --now hypaware.service',
  ]);
  const unit = readFileSync(s.unit, 'utf8');
  assert.ok(unit.includes(`\nExecStart=${process.execPath} ${HYP_BIN} daemon run --foreground\n`), unit);
  assert.ok(unit.includes(`\nEnvironment=HYP_HOME=${s.hypHome}\n`));
  assert.match(installed.stdout, new RegExp(`✓ wrote ${s.unit.replace(/[.]/g, '\\.')}\\n`));
  assert.match(installed.stdout, /runs as a systemd user service/);

  const again = await hyp(s, 'daemon', 'install');
  assert.equal(again.code, 0, 'installing again rewrites and re-enables');

  const before = s.tool.calls().length;
  const dry = await hyp(s, 'daemon', 'uninstall', '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would run: systemctl --user disable --now hypaware\.service\n/);
  assert.ok(dry.stdout.includes(`would remove ${s.unit}\n`));
  assert.equal(existsSync(s.unit), true, 'dry run keeps the unit');
  assert.deepEqual(s.tool.calls().slice(before), ['--user show-environment']);

  const removed = await hyp(s, 'daemon', 'uninstall');
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(s.tool.calls().slice(before + 1), [
    '--user show-environment',
    '--user disable --now hypaware.service',
    '--user daemon-reload',
  ]);
  assert.equal(existsSync(s.unit), false);
  assert.match(removed.stdout, /✓ HypAware service uninstalled\n$/);
});

test('install without a user service manager: one line, exit 1, nothing written', async () => {
  const s = setup({ noManager: true });
  const r = await hyp(s, 'daemon', 'install');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'hyp: cannot install the service: systemctl --user show-environment cannot reach a user service manager (Failed to connect to bus: No medium found); run `hyp daemon start` to keep HypAware running in the background instead\n',
  );
  assert.equal(existsSync(s.unit), false);
  assert.equal(existsSync(join(s.home, '.config')), false);
  assert.deepEqual(s.tool.calls(), ['--user show-environment']);

  const noTool = await runHyp(['daemon', 'install'], {
    hypHome: s.hypHome,
    env: { ...s.env, PATH: tempDir('hyp-empty-path-') },
  });
  assert.equal(noTool.code, 1);
  assert.match(
    noTool.stderr,
    /^hyp: cannot install the service: systemctl is not installed; run `hyp daemon start`[^\n]*\n$/,
  );
});

test('uninstall after the unit was removed by hand: one line, exit 0, the enable link goes too', async () => {
  const s = setup();
  assert.equal((await hyp(s, 'daemon', 'install')).code, 0);
  // what `systemctl enable` leaves besides the unit
  const wants = join(s.home, '.config', 'systemd', 'user', 'default.target.wants');
  mkdirSync(wants, { recursive: true });
  symlinkSync(s.unit, join(wants, 'hypaware.service'));
  rmSync(s.unit);
  const before = s.tool.calls().length;
  const r = await hyp(s, 'daemon', 'uninstall');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.ok(
    r.stdout.startsWith(`no service file at ${s.unit} (not installed, or removed by hand); detaching clients anyway\n`),
    r.stdout,
  );
  assert.equal(existsSync(join(wants, 'hypaware.service')), false, 'the dangling enable link is removed');
  assert.deepEqual(
    s.tool.calls().slice(before),
    ['--user show-environment', '--user daemon-reload'],
    'no disable of a unit that is gone',
  );

  const nothing = await hyp(s, 'daemon', 'uninstall');
  assert.equal(nothing.code, 0);
  assert.equal(
    nothing.stdout.split('\n')[0],
    `no service file at ${s.unit} (not installed, or removed by hand); detaching clients anyway`,
  );
});

test('uninstall runs every plugin uninstall step: a failing one is one line, the next still runs', async () => {
  const marker = join(tempDir('hyp-svc-marker-'), 'tidied.json');
  const s = setup({
    config: configWithoutBundled({
      plugins: { 'acme-uninstall': { marker } },
      plugin_dirs: [fixturePlugin('third-party', 'uninstall-steps')],
    }),
  });
  const dry = await hyp(s, 'daemon', 'uninstall', '--dry-run');
  assert.equal(dry.code, 1);
  assert.deepEqual(JSON.parse(readFileSync(marker, 'utf8')), { dryRun: true, mode: 'cli' });

  const r = await hyp(s, 'daemon', 'uninstall');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'hyp: uninstall step "explode" of acme-uninstall failed: widget registry is locked\nhyp: uninstall finished with 1 problem(s) (above)\n',
  );
  assert.match(r.stdout, /acme tidied\n/);
  assert.deepEqual(JSON.parse(readFileSync(marker, 'utf8')), { dryRun: false, mode: 'cli' });
});

test('unit text: paths with spaces, quotes, % and $ are quoted for systemd', async () => {
  const { systemdUnit } = await kernelModule<typeof ServiceFiles>('daemon/service-files.js');
  const unit = systemdUnit({
    node: '/opt/my node/bin/node',
    entry: '/srv/100%/hyp"x".js',
    configPath: '/cfg/$HOME.json',
    hypHome: '/data/hyp 50%',
    outputLog: '/x',
  });
  assert.ok(
    unit.includes(
      '\nExecStart="/opt/my node/bin/node" "/srv/100%%/hyp\\"x\\".js" --config "/cfg/$$HOME.json" daemon run --foreground\n',
    ),
    unit,
  );
  assert.ok(unit.includes('\nEnvironment="HYP_HOME=/data/hyp 50%%"\n'), unit);
  const plain = systemdUnit({
    node: '/usr/bin/node',
    entry: '/usr/lib/node_modules/hypaware/bin/hyp.js',
    outputLog: '/x',
  });
  assert.doesNotMatch(plain, /HYP_HOME/, 'no HYP_HOME line when HYP_HOME is not set');
  // the allocator settings of the daemon's process (daemon-environment.ts), with or without HYP_HOME
  for (const text of [unit, plain]) {
    assert.ok(text.includes('\nEnvironment=MALLOC_ARENA_MAX=1\n'), text);
    assert.ok(text.includes('\nEnvironment=MALLOC_MMAP_THRESHOLD_=131072\n'), text);
  }
});

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

test('macOS: the LaunchAgent plist and the launchctl calls (fake launchctl, in process)', async () => {
  const { installService, uninstallService } = await kernelModule<typeof ServiceInstall>('daemon/service-install.js');
  const tool = fakeServiceTool('launchctl');
  const home = tempDir('hyp-svc-mac-');
  const hypHome = join(home, 'hyp & co');
  const out = new Sink();
  const options = {
    platform: 'darwin' as const,
    env: { HOME: home, PATH: pathWith(tool.dir), HYP_HOME: hypHome },
    uid: 501,
    hypHome,
    dryRun: false,
    stdout: out,
    stderr: out,
  };
  await installService(options, async () => undefined);
  const plist = join(home, 'Library', 'LaunchAgents', 'dev.hypaware.daemon.plist');
  const text = readFileSync(plist, 'utf8');
  assert.match(text, /<key>Label<\/key><string>dev\.hypaware\.daemon<\/string>/);
  assert.ok(
    text.includes(
      `    <string>${process.execPath}</string>\n    <string>${HYP_BIN}</string>\n    <string>daemon</string>\n    <string>run</string>\n    <string>--foreground</string>\n`,
    ),
    text,
  );
  assert.ok(text.includes(`<key>HYP_HOME</key><string>${home}/hyp &amp; co</string>`), 'escaped for XML');
  assert.match(text, /<key>RunAtLoad<\/key><true\/>/);
  assert.match(text, /<key>KeepAlive<\/key>\n\s*<dict>\n\s*<key>SuccessfulExit<\/key><false\/>/);
  assert.ok(
    text.includes(`<key>StandardOutPath</key><string>${home}/hyp &amp; co/hypaware/logs/daemon.out.log</string>`),
  );
  assert.deepEqual(tool.calls(), [
    'print gui/501',
    'bootout gui/501/dev.hypaware.daemon',
    `bootstrap gui/501 ${plist}`,
  ]);

  const removed = uninstallService(options);
  assert.deepEqual(removed.problems, []);
  assert.equal(existsSync(plist), false);
  assert.deepEqual(tool.calls().slice(3), ['print gui/501', 'bootout gui/501/dev.hypaware.daemon']);
});

test('other platforms: install says there is no supported service manager', async () => {
  const { installService } = await kernelModule<typeof ServiceInstall>('daemon/service-install.js');
  const out = new Sink();
  await assert.rejects(
    installService(
      { platform: 'win32', env: {}, uid: 0, hypHome: '/x', dryRun: false, stdout: out, stderr: out },
      async () => undefined,
    ),
    {
      message:
        'no user service manager is supported on win32; run `hyp daemon start` to keep HypAware running in the background instead',
    },
  );
});

test('port-in-use errors are recognised from the error or its message', async () => {
  const { portInUse } = await kernelModule<typeof PortHolder>('daemon/port-holder.js');
  assert.equal(portInUse(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 4242 })), 4242);
  assert.equal(
    portInUse(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'EADDRINUSE', port: 99 }) })),
    99,
  );
  assert.equal(
    portInUse(
      new Error(
        'ai: cannot listen on 127.0.0.1:18521: the port is already in use; stop it or set x.listen to another host:port',
      ),
    ),
    18521,
  );
  assert.equal(portInUse(new Error('cannot listen on [::1]:8080: the port is already in use')), 8080);
  assert.equal(portInUse(new Error('cannot listen on 127.0.0.1:18521: permission denied')), undefined);
});
