/**
 * Shared by the team-history smokes: a real gateway daemon in front of the fake Anthropic and
 * OpenAI upstreams, shipping to a real PostgreSQL (harness/postgres.ts); traffic with API keys
 * in the headers; and the check that the replica holds exactly the local rows, column by column,
 * typed (the column types come from the specs the kernel recorded in the local database).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { ColumnSpec, DatasetSpec } from '@hypaware/core';
import { runHyp, type DaemonHandle } from '../harness/daemon.js';
import { startFakeAnthropic, type FakeAnthropic } from '../harness/fake-anthropic.js';
import { startFakeOpenAi, type FakeOpenAi } from '../harness/fake-openai.js';
import type { PostgresServer } from '../harness/postgres.js';
import { tempDir } from '../harness/repo.js';
import { waitFor } from '../harness/wait.js';
import { claudeCodeRequest } from '../test/claude/claude-harness.js';

export const ANTHROPIC_KEY = 'sk-ant-api03-HYPTEAM0000notARealKey';
export const OPENAI_KEY = 'sk-proj-HYPTEAM0000notARealKey';
export const SHIPPED = ['ai_gateway_messages', 'ai_gateway_exchanges'] as const;
const KEYS: Record<(typeof SHIPPED)[number], string> = {
  ai_gateway_messages: 'part_id',
  ai_gateway_exchanges: 'exchange_id',
};

export interface Upstreams {
  anthropic: FakeAnthropic;
  openai: FakeOpenAi;
  close(): Promise<void>;
}

export async function startUpstreams(): Promise<Upstreams> {
  const anthropic = await startFakeAnthropic();
  const openai = await startFakeOpenAi();
  return {
    anthropic,
    openai,
    close: async () => {
      await anthropic.close();
      await openai.close();
    },
  };
}

/** A HOME (no real ~/.pgpass or ~/.claude) with a password file in it. */
export function homeWithPassword(password: string): { home: string; passwordFile: string } {
  const home = tempDir('hyp-team-home-');
  const passwordFile = join(home, 'pg-password');
  writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  return { home, passwordFile };
}

export function teamConfig(pg: PostgresServer, upstreams: Upstreams, passwordFile: string): unknown {
  return {
    plugins: {
      '@hypaware/ai-gateway': {
        listen: '127.0.0.1:0',
        upstreams: [
          { name: 'anthropic', base_url: upstreams.anthropic.url, path_prefix: '/v1/messages', provider: 'anthropic' },
          { name: 'openai', base_url: upstreams.openai.url, path_prefix: '/v1/chat', provider: 'openai' },
        ],
      },
      '@hypaware/postgres': {
        url: pg.url,
        schema: 'team',
        password_file: passwordFile,
        poll_ms: 100,
        max_backoff_ms: 400,
      },
    },
  };
}

/** `count` Claude Code requests and `count` OpenAI chat requests, each with a (fake) API key. */
export async function sendTraffic(daemon: DaemonHandle, count: number, tag: string): Promise<void> {
  const session = randomUUID();
  for (let i = 0; i < count; i++) {
    const req = claudeCodeRequest({
      sessionId: session,
      messages: [{ role: 'user', content: `${tag}: question ${i} for the team history` }],
    });
    const a = await fetch(`${daemon.endpoint}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { ...(req.request_headers as Record<string, string>), 'x-api-key': ANTHROPIC_KEY },
      body: req.request_body,
    });
    assert.equal(a.status, 200, await a.text());
    const o = await fetch(`${daemon.endpoint}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPENAI_KEY}` },
      body: JSON.stringify({
        model: 'gpt-5.1',
        messages: [{ role: 'user', content: `${tag}: chat ${i} for the team history` }],
      }),
    });
    assert.equal(o.status, 200, await o.text());
  }
}

/** The spec the kernel recorded for a dataset in the local database. */
export function recordedSpec(db: Database.Database, name: string): DatasetSpec {
  const row = db.prepare('SELECT spec_json FROM _hyp_datasets WHERE name = ?').get(name) as
    { spec_json: string } | undefined;
  assert.ok(row, `dataset ${name} is recorded`);
  return JSON.parse(row.spec_json) as DatasetSpec;
}

function localValue(c: ColumnSpec, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'int':
    case 'float':
      return Number(v);
    case 'boolean':
      return Number(v) !== 0;
    case 'json':
      return JSON.parse(String(v));
    case 'timestamp':
      return Date.parse(String(v));
    case 'blob':
      return (v as Buffer).toString('hex');
    default:
      return v;
  }
}

/** node-postgres's default parsing: int8 as text, jsonb parsed, timestamptz as Date, bytea as Buffer. */
function remoteValue(c: ColumnSpec, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'int':
    case 'float':
      return Number(v);
    case 'timestamp':
      return (v as Date).getTime();
    case 'blob':
      return (v as Buffer).toString('hex');
    default:
      return v;
  }
}

/** The shipped columns: every declared column but the raw bodies (blobs are not shipped by default). */
function shippedColumns(spec: DatasetSpec): ColumnSpec[] {
  return spec.columns.filter((c) => c.type !== 'blob');
}

/** Rows of one machine in the replica, keyed. */
async function remoteRows(
  pg: PostgresServer,
  schema: string,
  dataset: (typeof SHIPPED)[number],
  machineId: string,
): Promise<Map<string, Record<string, unknown>>> {
  const rows = await pg.query(`SELECT * FROM "${schema}"."${dataset}" WHERE hyp_machine_id = $1`, [machineId]);
  return new Map(rows.map((r) => [String(r[KEYS[dataset]]), r]));
}

export function localCount(db: Database.Database, dataset: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM "${dataset}"`).get() as { n: number }).n;
}

export async function remoteCount(pg: PostgresServer, schema: string, dataset: string, machineId?: string) {
  const rows = await pg.query<{ n: string }>(
    `SELECT count(*) AS n FROM "${schema}"."${dataset}"${machineId ? ' WHERE hyp_machine_id = $1' : ''}`,
    machineId ? [machineId] : [],
  );
  return Number(rows[0]!.n);
}

/** Wait until the replica has as many rows of this machine as the local database, for each dataset. */
export async function waitForReplica(
  pg: PostgresServer,
  schema: string,
  db: Database.Database,
  machineId: string,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    async () => {
      for (const d of SHIPPED) {
        const remote = await remoteCount(pg, schema, d, machineId).catch(() => -1);
        if (remote !== localCount(db, d)) return false;
      }
      return true;
    },
    'the replica to hold every local row',
    timeoutMs,
    200,
  );
}

/** The replica holds exactly the local rows of this machine: same keys, same values in every shipped column. */
export async function assertReplicaEqualsLocal(
  pg: PostgresServer,
  schema: string,
  db: Database.Database,
  machineId: string,
  userName: string,
): Promise<void> {
  for (const dataset of SHIPPED) {
    const spec = recordedSpec(db, dataset);
    const columns = shippedColumns(spec);
    const local = db.prepare(`SELECT * FROM "${dataset}"`).all() as Array<Record<string, unknown>>;
    const remote = await remoteRows(pg, schema, dataset, machineId);
    assert.ok(local.length > 0, `${dataset} has local rows`);
    assert.deepEqual(
      [...remote.keys()].sort(),
      local.map((r) => String(r[KEYS[dataset]])).sort(),
      `${dataset}: the same keys`,
    );
    for (const row of local) {
      const key = String(row[KEYS[dataset]]);
      const other = remote.get(key)!;
      assert.equal(other.hyp_user_name, userName, `${dataset} ${key}: user name`);
      for (const c of columns)
        assert.deepEqual(
          remoteValue(c, other[c.name]),
          localValue(c, row[c.name]),
          `${dataset} ${key}: column ${c.name} (${c.type})`,
        );
      for (const c of spec.columns.filter((x) => x.type === 'blob'))
        assert.ok(!(c.name in other), `${dataset}: body column ${c.name} is not shipped`);
    }
  }
}

/** `hyp status --json` of a home. */
export async function statusJson(hypHome: string, env: Record<string, string>): Promise<Record<string, any>> {
  const r = await runHyp(['status', '--json'], { hypHome, env });
  return JSON.parse(r.stdout) as Record<string, any>;
}

/** The machine identity a home's shipper chose. */
export function identityOf(hypHome: string): { machine_id: string; user_name: string } {
  const file = join(hypHome, 'hypaware', 'plugins', '@hypaware', 'postgres', 'identity.json');
  return JSON.parse(readFileSync(file, 'utf8')) as { machine_id: string; user_name: string };
}
