/**
 * Stopping the daemon: SIGTERM lets open streams finish and writes everything before exit 0;
 * SIGKILL under load leaves a database that opens clean with every flushed exchange in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startDaemon } from '../../harness/daemon.js';
import { waitFor } from '../../harness/wait.js';
import { caseMarker, countRows, exchanges, httpCall, protocolCall, startRig, unhandledErrors } from './fault-rig.js';

const STREAMS = 20;
const DELTAS = 30;

test(
  `SIGTERM with ${STREAMS} streams open: they finish, everything is written, exit 0`,
  { timeout: 40_000 },
  async () => {
    const rig = await startRig();
    try {
      const ids = Array.from({ length: STREAMS }, (_, i) => `term-${i}`);
      const streams = ids.map((id, i) => {
        const call = protocolCall(i % 2 === 0 ? 'anthropic' : 'openai', `sse=${DELTAS};interval=50`, id);
        return httpCall(rig.endpoint, { ...call, timeoutMs: 20_000 });
      });
      // every stream is open once the upstream has started answering all of them
      await waitFor(
        () =>
          rig.upstream.records.filter((r) => String(r.headers['x-fake-id']).startsWith('term-')).length === STREAMS &&
          rig.upstream.open() === STREAMS,
        'all streams to be open',
        10_000,
      );
      const exit = rig.daemon.stop('SIGTERM', 30_000);
      const outcomes = await Promise.all(streams);
      for (const [i, o] of outcomes.entries()) {
        assert.equal(o.status, 200, `stream ${i}`);
        assert.equal(o.error, null, `stream ${i} was cut: ${o.error}`);
        assert.equal((o.body.toString().match(/^event: /gm) ?? []).length, DELTAS + 5, `stream ${i} lost events`);
      }
      const { code, signal } = await exit;
      assert.equal(signal, null);
      assert.equal(code, 0, `daemon exit code ${code}: ${rig.daemon.stderrText().slice(-400)}`);
      const recorded = exchanges(rig.daemon, "instr(path, 'case=term-') > 0");
      assert.equal(recorded.length, STREAMS, 'every stream is an exchange in the database');
      assert.deepEqual(
        recorded.filter((r) => r.error !== null).map((r) => r.error),
        [],
      );
      const assistantRows = countRows(
        rig.daemon,
        "SELECT count(DISTINCT conversation_id) AS n FROM ai_gateway_messages WHERE role = 'assistant' AND content_text LIKE ?",
        `%w${DELTAS - 1} %`,
      );
      assert.equal(assistantRows, STREAMS, 'every streamed reply is projected into a message row before exit');
      assert.deepEqual(unhandledErrors(rig.daemon), []);
    } finally {
      await rig.stop();
    }
  },
);

test(
  'SIGKILL under load: the database opens clean and every flushed exchange is there',
  { timeout: 40_000 },
  async () => {
    const rig = await startRig();
    let stopLoad = false;
    try {
      const flushed = Array.from({ length: 40 }, (_, i) => `kill-a${i}`);
      for (let i = 0; i < flushed.length; i += 8) {
        await Promise.all(
          flushed
            .slice(i, i + 8)
            .map((id) => httpCall(rig.endpoint, protocolCall(i % 16 === 0 ? 'anthropic' : 'openai', '', id))),
        );
      }
      await waitFor(
        () =>
          countRows(
            rig.daemon,
            "SELECT count(*) AS n FROM ai_gateway_exchanges WHERE instr(path, 'case=kill-a') > 0",
          ) === flushed.length,
        'the first batch to be flushed',
        20_000,
      );

      let sent = 0;
      const load = Array.from({ length: 8 }, async (_, w) => {
        while (!stopLoad && sent < 5000) {
          const id = `kill-b${w}-${sent++}`;
          await httpCall(
            rig.endpoint,
            protocolCall(sent % 2 === 0 ? 'anthropic' : 'openai', sent % 3 === 0 ? 'sse=5' : '', id, {
              bodyBytes: 20_000,
            }),
          );
        }
      });
      await waitFor(() => sent >= 150, 'the load to be under way', 20_000);
      const { signal } = await rig.daemon.stop('SIGKILL');
      stopLoad = true;
      await Promise.all(load);
      assert.equal(signal, 'SIGKILL');

      const dbPath = join(rig.daemon.hypHome, 'hypaware', 'hypaware.db');
      const db = new Database(dbPath);
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        const present = db
          .prepare("SELECT path FROM ai_gateway_exchanges WHERE instr(path, 'case=kill-a') > 0")
          .all() as Array<{ path: string }>;
        for (const id of flushed)
          assert.ok(
            present.some((r) => r.path.includes(caseMarker(id))),
            `flushed exchange ${id} lost`,
          );
      } finally {
        db.close();
      }

      const again = await startDaemon({ hypHome: rig.daemon.hypHome });
      try {
        assert.ok(again.endpoint, 'the daemon starts again on the same database');
        const ok = await httpCall(again.endpoint, protocolCall('anthropic', '', 'after-kill'));
        assert.equal(ok.status, 200);
        await waitFor(
          () =>
            countRows(
              again,
              "SELECT count(*) AS n FROM ai_gateway_exchanges WHERE instr(path, 'case=after-kill.') > 0",
            ) === 1,
          'capture after the restart',
          10_000,
        );
      } finally {
        await again.stop();
      }
    } finally {
      stopLoad = true;
      await rig.stop();
    }
  },
);
