/**
 * Security properties after real traffic: loopback-only by default (a warning otherwise),
 * no API key anywhere on disk (searched byte-wise, also inside compressed cells), owner-only
 * files, and a `hyp query sql` that cannot modify the database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { runHyp, startDaemon } from '../../harness/daemon.js';
import { TEST_ANTHROPIC_KEY, TEST_OPENAI_KEY } from '../../harness/protocol-samples.js';
import { waitFor } from '../../harness/wait.js';
import { countRows, httpCall, protocolCall, startRig } from './fault-rig.js';

const EXTRA_SECRET = 'hyp-custom-secret-0000-HYPTEST';
const COOKIE_SECRET = 'session=HYPTESTcookieSecret0000';
const SECRETS = [TEST_ANTHROPIC_KEY, TEST_OPENAI_KEY, EXTRA_SECRET, COOKIE_SECRET];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [p, ...filesUnder(p)] : [p];
  });
}

/** Every way a stored cell could hold text: raw, and decompressed if it is compressed. */
function cellViews(value: unknown): Buffer[] {
  if (value === null || value === undefined) return [];
  const raw = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
  const views = [raw];
  for (const decode of [gunzipSync, inflateSync, brotliDecompressSync]) {
    try {
      views.push(decode(raw));
    } catch {
      /* not this coding */
    }
  }
  return views;
}

function secretsInDatabase(path: string): string[] {
  const db = new Database(path, { readonly: true });
  const found: string[] = [];
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).iterate() as Iterable<Record<string, unknown>>) {
        for (const [col, value] of Object.entries(row)) {
          for (const view of cellViews(value))
            for (const s of SECRETS) if (view.includes(s)) found.push(`${name}.${col} holds ${s.slice(0, 12)}…`);
        }
      }
    }
  } finally {
    db.close();
  }
  return found;
}

test('no API key or secret header reaches disk; files are owner-only', { timeout: 40_000 }, async () => {
  const rig = await startRig({ gateway: { redact_headers: ['X-Team-Token'] } });
  try {
    for (const [i, protocol] of (['anthropic', 'openai', 'anthropic', 'openai'] as const).entries()) {
      const call = protocolCall(protocol, i < 2 ? '' : 'sse=4', `secret-${i}`);
      const headers: Record<string, string> = {
        ...call.headers,
        cookie: COOKIE_SECRET,
        'x-team-token': EXTRA_SECRET,
        'proxy-authorization': `Basic ${EXTRA_SECRET}`,
      };
      if (protocol === 'openai') headers['chatgpt-account-id'] = EXTRA_SECRET;
      if (protocol === 'anthropic') headers.authorization = `Bearer ${TEST_ANTHROPIC_KEY}`;
      const res = await httpCall(rig.endpoint, { ...call, headers });
      assert.equal(res.status, 200);
    }
    // the upstream did get the credentials: redaction is for storage only
    const seen = rig.upstream.records.find((r) => r.headers['x-fake-id'] === 'secret-0');
    assert.equal(seen?.headers['x-api-key'], TEST_ANTHROPIC_KEY);
    await waitFor(
      () =>
        countRows(
          rig.daemon,
          "SELECT count(*) AS n FROM ai_gateway_exchanges WHERE instr(path, 'case=secret-') > 0",
        ) === 4 || undefined,
      'the exchanges to be recorded',
      15_000,
    );
    assert.equal((await rig.daemon.stop('SIGTERM')).code, 0);

    const hypHome = rig.daemon.hypHome;
    const stateRoot = join(hypHome, 'hypaware');
    const leaks: string[] = [];
    for (const file of filesUnder(hypHome)) {
      if (statSync(file).isDirectory()) continue;
      const bytes = readFileSync(file);
      for (const s of SECRETS) if (bytes.includes(s)) leaks.push(`${file} contains ${s.slice(0, 12)}…`);
    }
    leaks.push(...secretsInDatabase(join(stateRoot, 'hypaware.db')));
    assert.deepEqual(leaks, []);

    const open = filesUnder(stateRoot)
      .filter((f) => (statSync(f).mode & 0o077) !== 0)
      .map((f) => `${f} ${(statSync(f).mode & 0o777).toString(8)}`);
    assert.deepEqual(open, [], 'everything under HYP_HOME/hypaware is owner-only');
  } finally {
    await rig.stop();
  }
});

function nonLoopbackAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

test('the gateway listens on loopback unless told otherwise, and warns when it is', { timeout: 40_000 }, async () => {
  const loopback = await startDaemon({ config: { plugins: { '@hypaware/ai-gateway': {} } } });
  try {
    assert.ok(loopback.endpoint, 'the gateway runs with its default listen address');
    const url = new URL(loopback.endpoint);
    assert.match(url.hostname, /^(127\.0\.0\.1|\[::1\])$/);
    const other = nonLoopbackAddress();
    if (other) assert.equal(await connects(other, loopback.port!), false, `reachable on ${other}`);
    assert.deepEqual(
      loopback
        .logLines()
        .filter((l) => l.level === 'warn' && /loopback|exposed|0\.0\.0\.0|network/i.test(JSON.stringify(l))),
      [],
    );
  } finally {
    await loopback.stop();
    rmSync(loopback.hypHome, { recursive: true, force: true });
  }

  const exposed = await startDaemon({ config: { plugins: { '@hypaware/ai-gateway': { listen: '0.0.0.0:0' } } } });
  try {
    const warned = await waitFor(
      () =>
        exposed
          .logLines()
          .find((l) => l.level === 'warn' && /loopback|exposed|0\.0\.0\.0|network/i.test(JSON.stringify(l))),
      'a warning about the non-loopback listener',
      10_000,
    );
    assert.ok(warned);
  } finally {
    await exposed.stop();
    rmSync(exposed.hypHome, { recursive: true, force: true });
  }
});

test('hyp query sql cannot modify the database', { timeout: 40_000 }, async () => {
  const rig = await startRig();
  try {
    const ok = await httpCall(rig.endpoint, protocolCall('anthropic', '', 'sql-guard'));
    assert.equal(ok.status, 200);
    await waitFor(
      () => countRows(rig.daemon, 'SELECT count(*) AS n FROM ai_gateway_exchanges') > 0 || undefined,
      'an exchange',
      15_000,
    );
    const before = countRows(rig.daemon, 'SELECT count(*) AS n FROM ai_gateway_exchanges');
    const hypHome = rig.daemon.hypHome;
    for (const sql of [
      'DELETE FROM ai_gateway_exchanges',
      `ATTACH DATABASE '${join(hypHome, 'other.db')}' AS other`,
      'PRAGMA writable_schema = ON',
      'WITH x AS (SELECT 1) DELETE FROM ai_gateway_exchanges',
      'SELECT 1; DELETE FROM ai_gateway_exchanges',
    ]) {
      const r = await runHyp(['query', 'sql', sql], { hypHome });
      assert.notEqual(r.code, 0, `${sql} was accepted`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${sql}: one clear line, got ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.equal(countRows(rig.daemon, 'SELECT count(*) AS n FROM ai_gateway_exchanges'), before);
    const schema = countRows(rig.daemon, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'other'");
    assert.equal(schema, 0);
  } finally {
    await rig.stop();
  }
});
