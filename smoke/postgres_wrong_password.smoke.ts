// A wrong PostgreSQL password: capture goes on, nothing ships, `hyp status` names the failure
// with its repair (and never the password); the user fixes the password file and sends SIGHUP
// (the config itself unchanged): every row arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { runHyp, startDaemon } from '../harness/daemon.js';
import { postgresSkipReason, startPostgres } from '../harness/postgres.js';
import { waitFor } from '../harness/wait.js';
import {
  assertReplicaEqualsLocal,
  homeWithPassword,
  identityOf,
  localCount,
  sendTraffic,
  startUpstreams,
  statusJson,
  teamConfig,
  waitForReplica,
} from './team-history-rig.js';

const WRONG = 'not-the-team-password-7731';

test(
  'wrong password: diagnosed, capture unaffected, shipped after the fix and SIGHUP',
  { skip: postgresSkipReason() },
  async (t) => {
    const pg = await startPostgres();
    t.after(() => pg.close());
    const upstreams = await startUpstreams();
    t.after(() => upstreams.close());
    const { home, passwordFile } = homeWithPassword(WRONG);
    const env = { HOME: home };
    const daemon = await startDaemon({ config: teamConfig(pg, upstreams, passwordFile), env });
    t.after(() => daemon.stop());
    const db = await daemon.waitForDb();
    t.after(() => db.close());

    await sendTraffic(daemon, 3, 'refused');
    await waitFor(() => localCount(db, 'ai_gateway_exchanges') >= 6, 'capture with the database refusing');
    const status = await waitFor(
      async () => {
        const s = await statusJson(daemon.hypHome, env);
        return s.team_history?.last_error ? s : undefined;
      },
      'hyp status to show the refusal',
      30_000,
      200,
    );
    assert.equal(status.team_history.last_error.code, '28P01');
    assert.match(status.team_history.last_error.message, /password authentication failed/);
    assert.match(status.team_history.last_error.repair, /password in .*pg-password.*SIGHUP/);
    const diagnostic = status.diagnostics.find((d: { kind: string }) => d.kind === 'team_history_failing');
    assert.ok(diagnostic?.repair, 'a diagnostic with a repair');
    const lag = status.team_history.datasets.find((d: { name: string }) => d.name === 'ai_gateway_messages');
    assert.equal(lag.backlog_rows, localCount(db, 'ai_gateway_messages'), 'every row waits');
    const text = await runHyp(['status'], { hypHome: daemon.hypHome, env });
    assert.match(text.stdout, /last error .*password authentication failed/);
    for (const output of [text.stdout, JSON.stringify(status), daemon.stderrText(), JSON.stringify(daemon.logLines())])
      assert.ok(!output.includes(WRONG) && !output.includes(pg.password), 'no password in status or logs');
    assert.ok(
      daemon.logLines().some((l) => l.event === 'postgres.ship_failed'),
      'the failure is logged',
    );
    const tables = await pg.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'team'`);
    assert.equal(tables.length, 0, 'nothing reached PostgreSQL');

    // the fix: the right password in the same file, then SIGHUP
    writeFileSync(passwordFile, pg.password + '\n');
    daemon.proc.kill('SIGHUP');
    await daemon.waitForLog('source.refreshed');
    await sendTraffic(daemon, 1, 'after the fix');
    const identity = identityOf(daemon.hypHome);
    await waitForReplica(pg, 'team', db, identity.machine_id);
    await assertReplicaEqualsLocal(pg, 'team', db, identity.machine_id, identity.user_name);
    await waitFor(
      async () => (await statusJson(daemon.hypHome, env)).team_history?.last_error === null,
      'the error to clear',
    );
  },
);
