// `hyp mcp serve` driven by the MCP SDK's own client over stdio, on a synthetic history: the
// four tools are listed with descriptions that explain the tables, query_sql counts what
// `hyp query sql` counts, a write is refused with a clear error, list_sessions and get_session
// answer from the same rows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fillSyntheticHistory } from '../../bench/synthetic-history.js';
import { runHyp } from '../../harness/daemon.js';
import { HYP_BIN } from '../../harness/repo.js';
import { historyHome } from '../query/messages-spec.js';

type TextResult = { content: Array<{ type: string; text: string }>; isError?: boolean };

const textOf = (r: unknown) => (r as TextResult).content.map((c) => c.text).join('');

describe('hyp mcp serve', () => {
  let hypHome: string;
  let client: Client;

  before(async () => {
    const home = await historyHome();
    hypHome = home.hypHome;
    fillSyntheticHistory(home.db, { rows: 600, days: 3, seed: 5 });
    home.db.close();
    client = new Client({ name: 'hyp-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [HYP_BIN, 'mcp', 'serve'],
        env: { ...(process.env as Record<string, string>), HYP_HOME: hypHome },
        stderr: 'pipe',
      }),
    );
  });
  after(() => client?.close());

  test('lists the four read-only tools, each saying what the tables hold', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['get_session', 'list_sessions', 'overview', 'query_sql']);
    const sql = tools.find((t) => t.name === 'query_sql')!;
    assert.match(sql.description ?? '', /ai_gateway_messages/);
    assert.match(sql.description ?? '', /tool_args/);
    for (const t of tools) assert.equal(t.annotations?.readOnlyHint, true, t.name);
  });

  test('query_sql: a count equal to hyp query sql', async () => {
    const statement = "SELECT count(*) AS n FROM ai_gateway_messages WHERE part_type = 'tool_call'";
    const result = await client.callTool({ name: 'query_sql', arguments: { sql: statement } });
    assert.equal((result as TextResult).isError, undefined, textOf(result));
    const answer = JSON.parse(textOf(result)) as { columns: string[]; rows: Array<{ n: number }>; truncated: boolean };
    const cli = await runHyp(['query', 'sql', statement, '--format', 'json'], { hypHome });
    assert.equal(cli.code, 0, cli.stderr);
    const expected = (JSON.parse(cli.stdout) as Array<{ n: number }>)[0]!.n;
    assert.ok(expected > 0, 'the synthetic history has tool calls');
    assert.deepEqual(answer, { columns: ['n'], rows: [{ n: expected }], truncated: false });
  });

  test('query_sql: the row cap is kept and said', async () => {
    const result = await client.callTool({
      name: 'query_sql',
      arguments: { sql: 'SELECT part_id FROM ai_gateway_messages', max_rows: 7 },
    });
    const answer = JSON.parse(textOf(result)) as { rows: unknown[]; truncated: boolean };
    assert.equal(answer.rows.length, 7);
    assert.equal(answer.truncated, true);
  });

  test('query_sql: writes and bad SQL are refused with one clear line', async () => {
    for (const [sql, pattern] of [
      ['DELETE FROM ai_gateway_messages', /read-only: DELETE statements are refused/],
      ["WITH x AS (SELECT 1) INSERT INTO ai_gateway_messages (part_id) SELECT 'x' FROM x", /read-only/],
      ['ATTACH DATABASE ":memory:" AS other', /read-only: ATTACH/],
      ['SELEC 1', /SQL error/],
    ] as const) {
      const result = (await client.callTool({ name: 'query_sql', arguments: { sql } })) as TextResult;
      assert.equal(result.isError, true, sql);
      assert.match(textOf(result), pattern, sql);
      assert.doesNotMatch(textOf(result), /\n\s+at /, 'no stack trace');
    }
    const still = await client.callTool({
      name: 'query_sql',
      arguments: { sql: 'SELECT count(*) AS n FROM ai_gateway_messages' },
    });
    assert.equal((JSON.parse(textOf(still)) as { rows: Array<{ n: number }> }).rows[0]!.n, 600, 'nothing was deleted');
  });

  test('list_sessions and get_session read the same sessions as SQL', async () => {
    const listed = JSON.parse(textOf(await client.callTool({ name: 'list_sessions', arguments: { limit: 100 } }))) as {
      sessions: Array<{ session_id: string; messages: number; last_message_at: string }>;
      has_more: boolean;
    };
    const cli = await runHyp(
      [
        'query',
        'sql',
        'SELECT COALESCE(session_id, conversation_id) AS s, max(message_created_at) AS last, count(DISTINCT message_id) AS messages FROM ai_gateway_messages GROUP BY 1 ORDER BY 2 DESC',
        '--format',
        'json',
      ],
      { hypHome },
    );
    const expected = JSON.parse(cli.stdout) as Array<{ s: string; last: string; messages: number }>;
    assert.deepEqual(
      listed.sessions.map((s) => [s.session_id, s.last_message_at, s.messages]),
      expected.map((e) => [e.s, e.last, e.messages]),
    );
    assert.equal(listed.has_more, false);
    const first = listed.sessions[0]!.session_id;
    const text = textOf(
      await client.callTool({ name: 'get_session', arguments: { session_id: first, max_chars: 1000 } }),
    );
    assert.match(text, new RegExp(`"session_id":"${first}"`));
    assert.match(text, /call get_session with offset \d+ for more|end of session/);
    const missing = (await client.callTool({
      name: 'get_session',
      arguments: { session_id: 'no-such' },
    })) as TextResult;
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /no session no-such/);
  });
});
