/**
 * A synthetic `ai_gateway_messages` history shaped like real Claude Code and Codex capture:
 * sessions of turns (user prompt, assistant parts with reasoning, text and tool calls, tool
 * results), usage on one carrier row per response, request-level `system_text` and `tools`
 * repeated on every row. Deterministic for a seed. Used by the benchmarks (1,000,000 rows) and
 * by the query tests (a few hundred rows).
 */
import type Database from 'better-sqlite3';
import { SeededRandom, fillerText } from '../harness/seeded-random.js';

export interface SyntheticHistoryOptions {
  /** rows to write (the last session is cut to hit the number exactly) */
  rows: number;
  /** UTC days the sessions spread over, ending on `until` */
  days: number;
  until?: Date;
  seed?: number;
  /** bytes of the per-session system prompt repeated on every row (default 1500) */
  systemBytes?: number;
  /** bytes of the per-session tools JSON repeated on every row (default 2000) */
  toolsBytes?: number;
  /** bytes of a text part (default 300) */
  textBytes?: number;
  /** rows per transaction (default 5000) */
  batchRows?: number;
  /** called after each committed batch */
  onProgress?: (written: number) => void;
}

export interface SyntheticHistorySummary {
  rows: number;
  sessions: number;
  responses: number;
  first_message_at: string;
  last_message_at: string;
}

interface ClientProfile {
  client_name: string;
  provider: string;
  conversation_source: string;
  models: string[];
  tools: string[];
  tool_result_role: string;
  /** providers leave different usage fields NULL: Anthropic has no reasoning count, OpenAI no cache writes */
  cacheWrites: boolean;
  reasoning: boolean;
}

const CLIENTS: ClientProfile[] = [
  {
    client_name: 'claude-code',
    provider: 'anthropic',
    conversation_source: 'claude_code',
    models: [
      'claude-sonnet-4-5-20250929',
      'claude-sonnet-4-5-20250929',
      'claude-haiku-4-5-20251001',
      'claude-opus-4-5-20251101',
    ],
    tools: ['Bash', 'Read', 'Edit', 'Grep', 'Glob', 'Write', 'TodoWrite'],
    tool_result_role: 'user',
    cacheWrites: true,
    reasoning: false,
  },
  {
    client_name: 'codex',
    provider: 'openai',
    conversation_source: 'codex',
    models: ['gpt-5-codex', 'gpt-5.1-codex', 'gpt-5-mini'],
    tools: ['shell', 'apply_patch', 'update_plan', 'view_image'],
    tool_result_role: 'tool',
    cacheWrites: false,
    reasoning: true,
  },
  {
    client_name: 'api',
    provider: 'openai',
    conversation_source: 'api',
    models: ['local-experimental-model'],
    tools: ['lookup'],
    tool_result_role: 'tool',
    cacheWrites: false,
    reasoning: false,
  },
];
const REPOS = [
  '/home/dev/src/hypaware',
  '/home/dev/src/website',
  '/home/dev/src/infra',
  '/home/dev/src/notebooks',
  '/home/dev/src/mobile-app',
  '/home/dev/src/data-pipeline',
  '/tmp/scratch',
  '/home/dev',
];

type Row = Record<string, string | number | null>;

const COMMANDS = [
  'npm test',
  'git status',
  'git diff',
  'ls -la',
  'npx tsc -b',
  'rg TODO',
  'cat package.json',
  'node bin/hyp.js status',
];
const FILES = [
  'src/index.ts',
  'src/config.ts',
  'README.md',
  'test/main.test.ts',
  'package.json',
  'src/query/overview.ts',
];

/** Arguments shaped like the real tools': Claude's Bash/Read/Edit, Codex's shell (argv) and apply_patch. */
function toolArgs(random: SeededRandom, tool: string, cwd: string | null): Record<string, unknown> {
  const file = `${cwd ?? '/tmp'}/${random.pick(FILES)}`;
  switch (tool) {
    case 'Bash':
      return { command: random.pick(COMMANDS), description: fillerText(random, 30) };
    case 'shell':
      return { command: ['bash', '-lc', random.pick(COMMANDS)], workdir: cwd };
    case 'Read':
    case 'Write':
    case 'Edit':
      return {
        file_path: file,
        ...(tool === 'Edit' ? { old_string: fillerText(random, 40), new_string: fillerText(random, 40) } : {}),
      };
    case 'apply_patch':
      return { input: `*** Begin Patch\n*** Update File: ${file}\n*** End Patch` };
    default:
      return { pattern: fillerText(random, 12) };
  }
}

function hex(random: SeededRandom, length: number): string {
  let out = '';
  while (out.length < length)
    out += Math.floor(random.next() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}

function uuid(random: SeededRandom): string {
  const h = hex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Insert a synthetic history into the existing `ai_gateway_messages` table of `db`. */
export function fillSyntheticHistory(db: Database.Database, options: SyntheticHistoryOptions): SyntheticHistorySummary {
  const random = new SeededRandom(options.seed ?? 1);
  // exchange ids come from a stream of their own, so the rest of the history is what it was without them
  const exchangeRandom = new SeededRandom((options.seed ?? 1) + 1_000_003);
  const untilMs = Date.parse(`${(options.until ?? new Date()).toISOString().slice(0, 10)}T00:00:00Z`) + 86_400_000;
  const spanMs = options.days * 86_400_000;
  const systemBytes = options.systemBytes ?? 1500;
  const toolsBytes = options.toolsBytes ?? 2000;
  const textBytes = options.textBytes ?? 300;
  const batchRows = options.batchRows ?? 5000;

  const tableColumns = new Set(
    (db.prepare(`SELECT name FROM pragma_table_info('ai_gateway_messages')`).all() as Array<{ name: string }>).map(
      (c) => c.name,
    ),
  );
  if (tableColumns.size === 0) throw new Error('fillSyntheticHistory: the database has no ai_gateway_messages table');
  let insert: Database.Statement | undefined;
  let insertColumns: string[] = [];
  const pending: Row[] = [];
  const flush = db.transaction((rows: Row[]) => {
    for (const r of rows) insert!.run(r);
  });

  const summary: SyntheticHistorySummary = {
    rows: 0,
    sessions: 0,
    responses: 0,
    first_message_at: '',
    last_message_at: '',
  };
  const emit = (row: Row) => {
    if (!insert) {
      insertColumns = Object.keys(row).filter((k) => tableColumns.has(k));
      insert = db.prepare(
        `INSERT INTO ai_gateway_messages (${insertColumns.map((c) => `"${c}"`).join(', ')}) VALUES (${insertColumns.map((c) => `@${c}`).join(', ')})`,
      );
    }
    pending.push(row);
    summary.rows++;
    const at = row.message_created_at as string;
    if (summary.first_message_at === '' || at < summary.first_message_at) summary.first_message_at = at;
    if (at > summary.last_message_at) summary.last_message_at = at;
    if (pending.length >= batchRows) {
      flush(pending.splice(0));
      options.onProgress?.(summary.rows);
    }
  };

  while (summary.rows < options.rows) {
    summary.sessions++;
    const client = CLIENTS[random.int(10) < 6 ? 0 : random.int(10) < 8 ? 1 : 2]!;
    const sessionId = uuid(random);
    const conversationId = client.provider === 'anthropic' ? sessionId : uuid(random);
    const cwd = random.int(20) === 0 ? null : random.pick(REPOS);
    const model = random.pick(client.models);
    const systemText = fillerText(random, systemBytes);
    const tools = JSON.stringify(
      client.tools.map((name) => ({
        name,
        description: fillerText(random, Math.max(16, Math.floor(toolsBytes / client.tools.length) - 40)),
      })),
    );
    let t = untilMs - spanMs + random.int(spanMs - 3_600_000);
    const startedAt = new Date(t).toISOString();
    const turns = 3 + random.int(28);
    let messageIndex = 0;
    let previous: string | null = null;
    // the exchange a row came from: random hex as the gateway's ids were before they were time-ordered
    let exchangeId = '';

    const base = (role: string): Row => {
      t += 1000 + random.int(20_000);
      const at = new Date(t).toISOString();
      const messageId = client.provider === 'anthropic' ? uuid(random) : hex(random, 16);
      const row: Row = {
        gateway_id: 'hypaware-local',
        schema_version: 4,
        conversation_id: conversationId,
        user_id: null,
        provider: client.provider,
        model,
        system_text: systemText,
        tools,
        conversation_started_at: startedAt,
        conversation_source: client.conversation_source,
        cwd,
        git_branch: cwd ? 'main' : null,
        client_version: '2.0.0',
        entrypoint: 'cli',
        user_type: 'external',
        permission_mode: 'default',
        is_sidechain: 0,
        message_id: messageId,
        previous_message_id: JSON.stringify(previous ? [previous] : []),
        request_id: null,
        prompt_id: null,
        message_index: messageIndex++,
        message_created_at: at,
        role,
        part_id: '',
        part_index: 0,
        part_type: 'text',
        provider_type: null,
        provider_subtype: null,
        content_text: null,
        tool_name: null,
        tool_call_id: null,
        tool_args: null,
        caller_type: null,
        tool_result_for: null,
        thinking_signature: null,
        attachment_type: null,
        hook_event: null,
        is_error: null,
        is_compact_summary: null,
        compact_metadata: null,
        status: null,
        attributes: '{}',
        raw_frame: null,
        date: at.slice(0, 10),
        session_id: sessionId,
        agent_id: null,
        parent_agent_id: null,
        client_name: client.client_name,
        exchange_id: exchangeId,
        input_tokens: null,
        cache_read_input_tokens: null,
        cache_creation_input_tokens: null,
        output_tokens: null,
        reasoning_tokens: null,
      };
      previous = messageId;
      return row;
    };
    const part = (message: Row, index: number, fields: Row): Row => ({
      ...message,
      ...fields,
      part_index: index,
      part_id: `${message.message_id}#${index}`,
    });

    for (let turn = 0; turn < turns && summary.rows < options.rows; turn++) {
      exchangeId = hex(exchangeRandom, 32);
      emit(part(base('user'), 0, { part_type: 'text', content_text: fillerText(random, textBytes) }));
      const assistant = base('assistant');
      const parts: Row[] = [];
      if (client.reasoning && random.int(2) === 0)
        parts.push({ part_type: 'reasoning', content_text: fillerText(random, textBytes) });
      parts.push({ part_type: 'text', content_text: fillerText(random, textBytes) });
      const calls = random.int(4);
      const callIds: string[] = [];
      for (let c = 0; c < calls; c++) {
        const id = `call_${hex(random, 12)}`;
        callIds.push(id);
        const toolName = random.pick(client.tools);
        parts.push({
          part_type: 'tool_call',
          tool_name: toolName,
          tool_call_id: id,
          tool_args: JSON.stringify(toolArgs(random, toolName, cwd)),
        });
      }
      const usage: Row = {
        input_tokens: 1 + random.int(4000),
        cache_read_input_tokens: random.int(4) === 0 ? null : random.int(120_000),
        cache_creation_input_tokens: client.cacheWrites ? random.int(20_000) : null,
        output_tokens: 10 + random.int(3000),
        reasoning_tokens: client.reasoning ? random.int(2000) : null,
        status: JSON.stringify({ finish_reason: calls > 0 ? 'tool_use' : 'end_turn' }),
      };
      parts[parts.length - 1] = { ...parts[parts.length - 1], ...usage };
      let written = 0;
      for (; written < parts.length && summary.rows < options.rows; written++)
        emit(part(assistant, written, parts[written]!));
      if (written === parts.length) summary.responses++;
      for (const id of callIds) {
        if (summary.rows >= options.rows) break;
        emit(
          part(base(client.tool_result_role), 0, {
            part_type: 'tool_result',
            tool_result_for: id,
            tool_call_id: id,
            content_text: fillerText(random, textBytes),
            is_error: random.int(10) === 0 ? 1 : 0,
          }),
        );
      }
    }
  }
  if (pending.length > 0) flush(pending.splice(0));
  options.onProgress?.(summary.rows);
  return summary;
}
