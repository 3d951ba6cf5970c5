import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp, startDaemon, type HypResult } from '../../harness/daemon.js';
import { REPO_ROOT, tempDir } from '../../harness/repo.js';
import { configWithoutBundled, fixturePlugin, writeConfig } from './kernel-fixtures.js';

const NOTES_DATASET = {
  name: 'acme_notes',
  description: 'notes of the acme fixture',
  primaryTime: 'ts',
  uniqueKey: ['id'],
  columns: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'ts', type: 'timestamp' },
    { name: 'body', type: 'string' },
  ],
};

/** Bundled plugins off; fixture plugins that add a dataset and `hyp acme ...` commands. */
const CLI_CONFIG = configWithoutBundled({
  plugin_dirs: [fixturePlugin('third-party', 'dataset-owner'), fixturePlugin('third-party', 'command-maker')],
  plugins: { 'acme-dataset-owner': { dataset: NOTES_DATASET } },
});

/** stderr is exactly one `hyp: ...` line matching `pattern`, with no stack trace. */
function assertOneLineError(r: HypResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  assert.match(r.stderr, /^hyp: [^\n]+\n$/, `one line on stderr: ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\bat .+:\d+:\d+/, 'no stack trace');
}

let home: string;
const notesInDb = () => {
  const db = new Database(join(home, 'hypaware', 'hypaware.db'), { readonly: true });
  try {
    return db.prepare('SELECT id, body FROM acme_notes ORDER BY id').all();
  } finally {
    db.close();
  }
};

before(async () => {
  home = tempDir('hyp-cli-');
  writeConfig(home, CLI_CONFIG);
  // the first query creates the database and the dataset's table
  const r = await runHyp(['query', 'sql', 'SELECT count(*) AS n FROM acme_notes'], { hypHome: home });
  assert.equal(r.code, 0, r.stderr);
  const db = new Database(join(home, 'hypaware', 'hypaware.db'));
  db.prepare('INSERT INTO acme_notes (id, ts, body) VALUES (?, ?, ?)').run(1, '2026-01-01T00:00:00Z', 'keep me');
  db.close();
});

describe('usage errors: one line on stderr, exit 2', { concurrency: 4 }, () => {
  test('unknown flag (with the suggestion on the same line)', async () => {
    const r = await runHyp(['status', '--jsn'], { hypHome: home });
    assertOneLineError(r, 2, /unknown option '--jsn'.*Did you mean --json\?/);
    assert.equal(r.stdout, '');
  });
  test('unknown command', async () => {
    assertOneLineError(await runHyp(['stauts'], { hypHome: home }), 2, /unknown command 'stauts'/);
  });
  test('missing argument', async () => {
    assertOneLineError(await runHyp(['query', 'sql'], { hypHome: home }), 2, /missing required argument 'sql'/);
  });
  test('a value outside the choices', async () => {
    assertOneLineError(
      await runHyp(['query', 'sql', 'SELECT 1', '--format', 'xml'], { hypHome: home }),
      2,
      /'xml' is invalid.*table, json, jsonl, csv/,
    );
  });
  test('daemon run without --foreground', async () => {
    assertOneLineError(await runHyp(['daemon', 'run'], { hypHome: home }), 2, /hyp daemon run needs --foreground/);
  });
  test('a plugin command throwing UsageError', async () => {
    assertOneLineError(await runHyp(['acme', 'misuse'], { hypHome: home }), 2, /^hyp: acme misuse: pick a widget\n$/);
  });
});

describe('hyp query sql refuses anything but reading: exit 1, data untouched', { concurrency: 4 }, () => {
  const refused: Array<[string, RegExp]> = [
    ['DELETE FROM acme_notes', /read-only: DELETE statements are refused/],
    ['  -- tidy up\n  /* really */ delete from acme_notes', /read-only: DELETE statements are refused/],
    ['DROP TABLE acme_notes', /read-only: DROP statements are refused/],
    [`ATTACH DATABASE '${join(tempDir(), 'x.db')}' AS other`, /read-only: ATTACH statements are refused/],
    ['PRAGMA writable_schema = 1', /read-only: PRAGMA statements are refused/],
    [`VACUUM INTO '${join(tempDir(), 'copy.db')}'`, /read-only: VACUUM statements are refused/],
    [
      "WITH doomed AS (SELECT 1 AS id) INSERT INTO acme_notes (id, body) SELECT id + 10, 'x' FROM doomed",
      /read-only: this statement would modify the database/,
    ],
  ];
  for (const [sql, pattern] of refused) {
    test(JSON.stringify(sql), async () => {
      const r = await runHyp(['query', 'sql', sql], { hypHome: home });
      assertOneLineError(r, 1, pattern);
      assert.equal(r.stdout, '');
    });
  }
  test('the data is as it was', () => {
    assert.deepEqual(notesInDb(), [{ id: 1, body: 'keep me' }]);
  });
});

describe('SQL errors: one line, exit 1', { concurrency: 4 }, () => {
  test('syntax error', async () => {
    assertOneLineError(
      await runHyp(['query', 'sql', 'SELEC * FROM acme_notes'], { hypHome: home }),
      1,
      /^hyp: SQL error: near "SELEC": syntax error\n$/,
    );
  });
  test('unknown table', async () => {
    assertOneLineError(
      await runHyp(['query', 'sql', 'SELECT * FROM acme_nope'], { hypHome: home }),
      1,
      /SQL error: no such table: acme_nope/,
    );
  });
  test('two statements', async () => {
    assertOneLineError(
      await runHyp(['query', 'sql', 'SELECT 1; DELETE FROM acme_notes'], { hypHome: home }),
      1,
      /SQL error: .*more than one statement/,
    );
  });
  test('an error raised while reading rows', async () => {
    assertOneLineError(
      await runHyp(['query', 'sql', "SELECT json_extract('{bad', '$.a')"], { hypHome: home }),
      1,
      /SQL error: malformed JSON/,
    );
  });
  test('empty statement', async () => {
    assertOneLineError(await runHyp(['query', 'sql', '   '], { hypHome: home }), 1, /SQL error: empty statement/);
  });
});

describe('hyp query schema', { concurrency: 4 }, () => {
  test('an unknown dataset: one line naming the known ones, exit 1', async () => {
    assertOneLineError(
      await runHyp(['query', 'schema', 'acme_notez'], { hypHome: home }),
      1,
      /no dataset named acme_notez \(known: acme_notes\)/,
    );
  });
  test('a known dataset as JSON', async () => {
    const r = await runHyp(['query', 'schema', 'acme_notes', '--json'], { hypHome: home });
    assert.equal(r.code, 0, r.stderr);
    const [ds] = JSON.parse(r.stdout) as Array<{
      name: string;
      primary_time: string;
      unique_key: string[];
      columns: Array<{ name: string; type: string; nullable: boolean }>;
    }>;
    assert.equal(ds?.name, 'acme_notes');
    assert.equal(ds.primary_time, 'ts');
    assert.deepEqual(ds.unique_key, ['id']);
    assert.deepEqual(
      ds.columns.map((c) => `${c.name}:${c.type}:${c.nullable}`),
      ['id:int:false', 'ts:timestamp:true', 'body:string:true'],
    );
  });
});

describe('plugin commands and internal errors', { concurrency: 4 }, () => {
  test('a plugin command runs in cli mode', async () => {
    const r = await runHyp(['acme', 'hello', 'bob'], { hypHome: home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello bob from cli\n');
  });
  test('a plugin command throwing HypError: its message, exit 1', async () => {
    assertOneLineError(
      await runHyp(['acme', 'refuse'], { hypHome: home }),
      1,
      /^hyp: acme refuses: the widget is not configured\n$/,
    );
  });
  test('any other exception: "internal error", exit 70, no stack unless HYP_DEBUG', async () => {
    assertOneLineError(
      await runHyp(['acme', 'crash'], { hypHome: home }),
      70,
      /^hyp: internal error: widget\.frobnicate is not a function \(set HYP_DEBUG=1 for details\)\n$/,
    );
    const debug = await runHyp(['acme', 'crash'], { hypHome: home, env: { HYP_DEBUG: '1' } });
    assert.equal(debug.code, 70);
    assert.match(debug.stderr, /TypeError: widget\.frobnicate is not a function\n\s+at /);
  });
  test('--version and --help exit 0 on stdout', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const v = await runHyp(['--version'], { hypHome: home });
    assert.equal(v.code, 0);
    assert.equal(v.stdout, `${pkg.version}\n`);
    const h = await runHyp(['query', '--help'], { hypHome: home });
    assert.equal(h.code, 0);
    assert.match(h.stdout, /sql \[options\] <sql>/);
    assert.match(h.stdout, /schema \[options\] \[dataset\]/);
  });
});

describe('a broken config', { concurrency: 4 }, () => {
  const broken = () => {
    const hypHome = tempDir('hyp-cli-broken-');
    writeConfig(hypHome, '{"plugins": {"@hypaware/ai-gateway": {"listen": "127.0.0.1:0"},,}}');
    return hypHome;
  };
  for (const args of [
    ['query', 'sql', 'SELECT 1'],
    ['daemon', 'run', '--foreground'],
  ]) {
    test(`hyp ${args.join(' ')}: one line naming the file, exit 1`, async () => {
      const hypHome = broken();
      const r = await runHyp(args, { hypHome });
      assertOneLineError(r, 1, /config .*hypaware-config\.json: not valid JSON/);
      assert.ok(r.stderr.includes(join(hypHome, 'hypaware-config.json')));
    });
  }
  test('--config <path> replaces the default file', async () => {
    const hypHome = broken();
    const good = join(tempDir(), 'elsewhere.json');
    writeFileSync(good, JSON.stringify(CLI_CONFIG));
    const r = await runHyp(['--config', good, 'acme', 'hello', 'config'], { hypHome });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello config from cli\n');
    const s = await runHyp(['status', '--json', '--config', good], { hypHome });
    assert.equal((JSON.parse(s.stdout) as { config: { path: string } }).config.path, good);
  });
  test('hyp status --json keeps the same keys with an invalid config, and says why', async () => {
    const bad = await runHyp(['status', '--json'], { hypHome: broken() });
    const good = await runHyp(['status', '--json'], { hypHome: home });
    assert.equal(bad.code, 0, bad.stderr);
    assert.equal(good.code, 0, good.stderr);
    const badReport = JSON.parse(bad.stdout) as Record<string, unknown> & {
      config: Record<string, unknown>;
      diagnostics: Array<{ kind: string }>;
    };
    const goodReport = JSON.parse(good.stdout) as Record<string, unknown> & { config: Record<string, unknown> };
    const expectedKeys = [
      'version',
      'hyp_home',
      'config',
      'daemon',
      'plugins',
      'capabilities',
      'datasets',
      'counters',
      'capture',
      'diagnostics',
    ];
    assert.deepEqual(Object.keys(badReport), expectedKeys);
    assert.deepEqual(Object.keys(goodReport), expectedKeys);
    assert.deepEqual(Object.keys(goodReport.config), ['path', 'exists', 'valid', 'issues']);
    assert.deepEqual(Object.keys(badReport.config), ['path', 'exists', 'valid', 'error', 'issues']);
    assert.equal(badReport.config.valid, false);
    assert.match(String(badReport.config.error), /not valid JSON/);
    assert.ok(badReport.diagnostics.some((d) => d.kind === 'config_invalid'));
  });
  test('the daemon refuses a config naming a plugin that does not exist', async () => {
    const hypHome = tempDir('hyp-cli-');
    writeConfig(hypHome, configWithoutBundled({ plugins: { '@acme/gatewy': {} } }));
    assertOneLineError(
      await runHyp(['daemon', 'run', '--foreground'], { hypHome }),
      1,
      /plugins\.@acme\/gatewy: no plugin named @acme\/gatewy was found/,
    );
  });
});

test('a second daemon on the same HYP_HOME is refused; the first keeps running', async (t) => {
  const daemon = await startDaemon({
    config: configWithoutBundled({ plugin_dirs: [fixturePlugin('third-party', 'ticker-source')] }),
  });
  t.after(() => daemon.stop());
  const pidFile = join(daemon.hypHome, 'hypaware', 'daemon.pid');
  const second = await runHyp(['daemon', 'run', '--foreground'], { hypHome: daemon.hypHome });
  assertOneLineError(second, 1, new RegExp(`a HypAware daemon is already running for .* \\(pid ${daemon.proc.pid}\\)`));
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(daemon.proc.pid));
  assert.equal(daemon.status().state, 'running');
  assert.equal(daemon.status().pid, daemon.proc.pid);
  const stopped = await daemon.stop();
  assert.equal(stopped.code, 0);
});

test('a plugin command with a built-in name, or whose configure() throws, is dropped alone; hyp keeps working', async () => {
  const hypHome = tempDir('hyp-cli-');
  writeConfig(hypHome, configWithoutBundled({ plugin_dirs: [fixturePlugin('third-party', 'command-squatter')] }));
  const [status, fine, query] = await Promise.all([
    runHyp(['status', '--json'], { hypHome }),
    runHyp(['acme-fine'], { hypHome }),
    runHyp(['query', 'sql', 'SELECT 7 AS n', '--format', 'csv'], { hypHome }),
  ]);
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout) as { diagnostics: Array<{ kind: string; level: string; message: string }> };
  assert.deepEqual(
    report.diagnostics.filter((d) => d.kind === 'plugin_command_failed').map((d) => `${d.level}: ${d.message}`),
    [
      'error: plugin acme-command-squatter: command hyp status is not added: hyp has a built-in command with that name',
      'error: plugin acme-command-squatter: command hyp acme-broken is not added: widget registry missing',
    ],
  );
  assert.deepEqual([fine.code, fine.stdout], [0, 'fine\n']);
  assert.deepEqual([query.code, query.stdout], [0, 'n\r\n7\r\n']);
});
