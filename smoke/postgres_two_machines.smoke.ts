// Two HypAware homes (two "machines", two users) ship into one PostgreSQL database: both
// histories are there, each row carries its machine id and user name, nothing collides, and the
// views keep the machines apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../harness/daemon.js';
import { postgresSkipReason, startPostgres } from '../harness/postgres.js';
import { waitFor } from '../harness/wait.js';
import {
  assertReplicaEqualsLocal,
  homeWithPassword,
  identityOf,
  localCount,
  remoteCount,
  sendTraffic,
  startUpstreams,
  teamConfig,
  waitForReplica,
} from './team-history-rig.js';

test('two machines ship into one database without collisions', { skip: postgresSkipReason() }, async (t) => {
  const pg = await startPostgres();
  t.after(() => pg.close());
  const upstreams = await startUpstreams();
  t.after(() => upstreams.close());
  const machines = [];
  for (const name of ['alice', 'bob']) {
    const { home, passwordFile } = homeWithPassword(pg.password);
    // the password file for one, ~/.pgpass for the other: both sources work
    const config = teamConfig(pg, upstreams, passwordFile) as { plugins: Record<string, Record<string, unknown>> };
    const env: Record<string, string> = { HOME: home, USER: name, LOGNAME: name };
    if (name === 'bob') {
      delete config.plugins['@hypaware/postgres']!.password_file;
      writeFileSync(join(home, '.pgpass'), `127.0.0.1:${pg.port}:${pg.database}:${pg.user}:${pg.password}\n`, {
        mode: 0o600,
      });
    }
    const daemon = await startDaemon({ config, env });
    t.after(() => daemon.stop());
    const db = await daemon.waitForDb();
    t.after(() => db.close());
    machines.push({ name, daemon, db });
  }
  // the same traffic from both: same conversations' shapes, colliding ids are possible
  await Promise.all(machines.map((m) => sendTraffic(m.daemon, 3, 'same words on both machines')));
  for (const m of machines) await waitFor(() => localCount(m.db, 'ai_gateway_exchanges') >= 6, `${m.name} capture`);
  const ids = machines.map((m) => identityOf(m.daemon.hypHome));
  assert.notEqual(ids[0]!.machine_id, ids[1]!.machine_id, 'each home has its own machine id');
  assert.deepEqual(
    ids.map((i) => i.user_name),
    ['alice', 'bob'],
    'each home has its user name',
  );
  for (let i = 0; i < machines.length; i++) {
    await waitForReplica(pg, 'team', machines[i]!.db, ids[i]!.machine_id);
    await assertReplicaEqualsLocal(pg, 'team', machines[i]!.db, ids[i]!.machine_id, ids[i]!.user_name);
  }
  const total = machines.reduce((n, m) => n + localCount(m.db, 'ai_gateway_messages'), 0);
  assert.equal(await remoteCount(pg, 'team', 'ai_gateway_messages'), total, 'both histories, whole');
  const registered = await pg.query<{ machine_id: string; user_name: string }>(
    'SELECT machine_id, user_name FROM team.hyp_machines ORDER BY user_name',
  );
  assert.deepEqual(
    registered.map((r) => r.machine_id).sort(),
    ids.map((i) => i.machine_id).sort(),
    'hyp_machines lists both',
  );
  const sessions = await pg.query<{ hyp_machine_id: string; n: string }>(
    'SELECT hyp_machine_id, count(*) AS n FROM team.ai_sessions GROUP BY 1',
  );
  assert.equal(sessions.length, 2, 'ai_sessions keeps the machines apart');
  const users = await pg.query<{ hyp_user_name: string; n: string }>(
    'SELECT hyp_user_name, count(*) AS n FROM team.ai_gateway_messages GROUP BY 1 ORDER BY 1',
  );
  assert.deepEqual(
    users.map((u) => [u.hyp_user_name, Number(u.n)]),
    machines.map((m) => [m.name, localCount(m.db, 'ai_gateway_messages')]),
    'rows per user',
  );
});
