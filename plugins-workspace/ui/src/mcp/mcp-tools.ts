/**
 * The read-only MCP tools over the history: query_sql, overview, list_sessions, get_session.
 * Each answers JSON (or text) in one content item; bad input or SQL is an error result with one
 * clear line, never a crash of the server.
 */
import { errorMessage, queryReadOnly } from '@hypaware/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { HistoryReader } from '../history/history-reader.js';
import { conversationText } from './conversation-text.js';
import { TABLE_GUIDE } from './table-guide.js';

export const SQL_MAX_ROWS = 500;
const SESSION_PAGE_PARTS = 500;
const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

type ToolResult = { content: Array<{ type: 'text'; text: string }>; isError?: boolean };

function answer(run: () => unknown): ToolResult {
  try {
    const value = run();
    return { content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 1) }] };
  } catch (err) {
    return { content: [{ type: 'text', text: errorMessage(err) }], isError: true };
  }
}

const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;

export function registerHistoryTools(server: McpServer, reader: HistoryReader): void {
  server.registerTool(
    'query_sql',
    {
      title: 'Query the AI coding history (SQL)',
      description: `Run ONE read-only SQLite statement (SELECT or WITH) over the captured history of AI coding agents and get its rows as JSON (at most max_rows, default 100, cap ${SQL_MAX_ROWS}; "truncated" says when more exist). Writes, ATTACH and PRAGMA are refused.\n\n${TABLE_GUIDE}`,
      inputSchema: {
        sql: z
          .string()
          .min(1)
          .describe('one SELECT or WITH statement (SQLite dialect; json_extract works on JSON columns)'),
        max_rows: z.number().int().min(1).max(SQL_MAX_ROWS).optional().describe('rows to return (default 100)'),
      },
      annotations: READ_ONLY,
    },
    ({ sql, max_rows }) => answer(() => queryReadOnly(reader.db, sql, max_rows ?? 100)),
  );

  server.registerTool(
    'overview',
    {
      title: 'Usage overview',
      description:
        'Tokens, estimated cost (USD, from a dated price table), sessions and messages over the last N UTC days: per day, per model, per client, per repo (cwd) and per tool. The same numbers as `hyp query overview --json`.',
      inputSchema: {
        days: z.number().int().min(1).max(3660).optional().describe('window in UTC days ending today (default 7)'),
      },
      annotations: READ_ONLY,
    },
    ({ days }) => answer(() => (reader.ready() ? reader.overview(days ?? 7) : 'no history yet')),
  );

  server.registerTool(
    'list_sessions',
    {
      title: 'List sessions',
      description:
        'Sessions of AI coding agents, newest activity first: session_id, client, repo (cwd), branch, model, first prompt, message / tool-call / error counts, tokens and estimated cost. Filters: repo (a cwd prefix), client, since/until (UTC dates), text (full-text search over message text). Use get_session with a session_id to read one.',
      inputSchema: {
        repo: z.string().optional().describe('working-directory prefix, e.g. /home/me/project'),
        client: z.string().optional().describe("client name, e.g. 'claude' or 'codex'"),
        since: DATE.optional().describe('first UTC date, YYYY-MM-DD'),
        until: DATE.optional().describe('last UTC date, YYYY-MM-DD'),
        text: z.string().optional().describe('words that must appear in a message of the session'),
        limit: z.number().int().min(1).max(100).optional().describe('sessions to return (default 20)'),
        offset: z.number().int().min(0).optional().describe('sessions to skip (paging)'),
      },
      annotations: READ_ONLY,
    },
    (args) =>
      answer(() =>
        reader.sessions({
          offset: args.offset ?? 0,
          limit: args.limit ?? 20,
          ...(args.repo ? { repo: args.repo } : {}),
          ...(args.client ? { client: args.client } : {}),
          ...(args.since ? { since: args.since } : {}),
          ...(args.until ? { until: args.until } : {}),
          ...(args.text ? { text: args.text } : {}),
        }),
      ),
  );

  server.registerTool(
    'get_session',
    {
      title: 'Read a session',
      description:
        'The conversation of one session in order, as text: user prompts, assistant answers, thinking (cut short), each tool call with its arguments and each tool result (long texts cut), errors marked. Trimmed to max_chars; when more remains, the answer says which offset to ask for next.',
      inputSchema: {
        session_id: z.string().min(1).describe('a session_id from list_sessions (or a conversation_id)'),
        offset: z.number().int().min(0).optional().describe('parts to skip (to continue a long session)'),
        max_chars: z.number().int().min(1000).max(200_000).optional().describe('size budget (default 40000)'),
      },
      annotations: READ_ONLY,
    },
    ({ session_id, offset, max_chars }) =>
      answer(() => {
        const summary = reader.session(session_id);
        if (!summary) throw new Error(`no session ${session_id}`);
        const start = offset ?? 0;
        const page = reader.replay(session_id, start, SESSION_PAGE_PARTS, 8000);
        const { text, parts } = conversationText(page.parts, max_chars ?? 40_000);
        const next = start + parts;
        const header = JSON.stringify(summary);
        const tail =
          next < page.total
            ? `\n\n[parts ${start}-${next - 1} of ${page.total}; call get_session with offset ${next} for more]`
            : `\n\n[end of session: ${page.total} parts]`;
        return `${header}\n\n${text}${tail}`;
      }),
  );
}
