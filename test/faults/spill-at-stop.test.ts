/**
 * SIGTERM while the database refuses writes: the daemon still exits 0, the exchanges it could
 * not write wait in the spill journal (owner-only, no credential in it), `hyp status` says so,
 * and the next start writes every one of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHyp } from '../../harness/daemon.js';
import { TEST_ANTHROPIC_KEY, TEST_OPENAI_KEY } from '../../harness/protocol-samples.js';
import { waitFor } from '../../harness/wait.js';
import { countRows, httpCall, protocolCall, startRig } from './fault-rig.js';

const spillDir = (hypHome: string) => join(hypHome, 'hypaware', 'plugins', '@hypaware', 'ai-gateway', 'spill');

test(
  'stop while the database is locked: exchanges kept in the spill journal, written at the next start',
  { timeout: 90_000 },
  async (t) => {
    const env = { HYP_DB_BUSY_TIMEOUT_MS: '200' };
    const first = await startRig({ env });
    const hypHome = first.daemon.hypHome;
    const holder = new Database(join(hypHome, 'hypaware', 'hypaware.db'));
    try {
      holder.exec('BEGIN EXCLUSIVE');
      for (let i = 0; i < 8; i++) {
        const r = await httpCall(
          first.endpoint,
          protocolCall(i % 2 === 0 ? 'anthropic' : 'openai', i % 4 === 1 ? 'sse=4' : '', `spill-${i}`),
        );
        assert.equal(r.status, 200);
      }
      await first.daemon.waitForLog('aigw.write_failing', undefined, 20_000);
      const exit = await first.daemon.stop('SIGTERM', 30_000);
      assert.deepEqual(exit, { code: 0, signal: null });
      await first.upstream.close();
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }

    const files = readdirSync(spillDir(hypHome));
    assert.ok(files.length > 0, 'spill files left');
    for (const name of files) {
      const path = join(spillDir(hypHome), name);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const bytes = readFileSync(path);
      for (const key of [TEST_ANTHROPIC_KEY, TEST_OPENAI_KEY])
        assert.equal(bytes.includes(key), false, `${key} in ${name}`);
    }
    const kept = first.daemon.logLines().find((l) => l.event === 'aigw.spill_kept');
    assert.ok(kept, 'the stop logs what it kept');
    const status = await runHyp(['status', '--json'], { hypHome });
    const diagnostics = (
      JSON.parse(status.stdout) as { diagnostics: Array<{ kind: string; level: string; message: string }> }
    ).diagnostics;
    const backlog = diagnostics.find((d) => d.kind === 'gateway_spill_backlog');
    t.diagnostic(`hyp status: ${backlog?.message}`);
    assert.equal(backlog?.level, 'warn');

    const second = await startRig({ hypHome });
    try {
      await second.daemon.waitForLog('aigw.spill_recovered', undefined, 20_000);
      await waitFor(
        () =>
          countRows(
            second.daemon,
            "SELECT count(*) AS n FROM ai_gateway_exchanges WHERE instr(path, 'case=spill-') > 0",
          ) === 8 || undefined,
        'the 8 kept exchanges to be written',
        30_000,
      );
      assert.equal(
        countRows(second.daemon, 'SELECT count(*) - count(DISTINCT exchange_id) AS n FROM ai_gateway_exchanges'),
        0,
        'no duplicate exchange',
      );
      assert.ok(
        countRows(
          second.daemon,
          "SELECT count(*) AS n FROM ai_gateway_messages WHERE exchange_id IN (SELECT exchange_id FROM ai_gateway_exchanges WHERE instr(path, 'case=spill-') > 0)",
        ) >= 8,
        'their messages projected',
      );
      await waitFor(
        () => readdirSync(spillDir(hypHome)).length === 0 || undefined,
        'the spill files to be deleted',
        20_000,
      );
    } finally {
      await second.stop();
      rmSync(hypHome, { recursive: true, force: true });
    }
  },
);
