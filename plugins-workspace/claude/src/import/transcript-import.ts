/**
 * `hyp claude import`: Claude Code transcripts into `ai_gateway_messages`, with the rows live
 * capture writes for the same lines: `message_id` = the line's uuid, `previous_message_id` =
 * `[parentUuid]`, the line's session, cwd, branch, agent and provider columns, tool calls and
 * results as parts, usage once per response on its last line, and the match key live capture
 * gives the same unit (so fallback rows it left unsettled are replaced, not duplicated).
 * Each session is read twice, line by line (carriers first, then rows); batches of messages go
 * to the gateway's history import, which dedupes on `part_id`.
 */
import {
  tallyImportResult,
  type HistoryImport,
  type ProjectedExchange,
  type ProjectedMessage,
} from '@hypaware/ai-gateway';
import { countSkip, jsonlLines, parseJsonlObject, type ImportSummary, type JsonObject } from '@hypaware/core';
import { finishOf, unitMatchBase, unitMatchKey } from '../projector/build-messages.js';
import { messageParts } from '../projector/parts.js';
import { transcriptEntryOf } from '../transcript/transcript-entry.js';
import { firstString as str } from '../util/json.js';
import { contentBlocks } from '../wire/content-keys.js';
import { emptyScan, scanTranscript, type SessionScan } from './response-carriers.js';
import type { SessionFiles } from './session-files.js';
import { readSubagentMeta, type SubagentMeta } from '../transcript/subagent-meta.js';

const BATCH_MESSAGES = 256;

export interface ClaudeImportOptions {
  /** ISO time: lines before it are not imported */
  since?: string;
  /** called after each file */
  onFile?: () => void;
}

interface FileContext {
  path: string;
  sessionId: string | undefined;
  agentId: string | undefined;
  meta: SubagentMeta | undefined;
  parentAgentId: string | undefined;
}

/** Messages of one file on their way to the gateway, in batches of one projection each. */
class Batcher {
  #projection: ProjectedExchange | undefined;

  constructor(
    private readonly writer: HistoryImport,
    private readonly file: FileContext,
    private readonly summary: ImportSummary,
  ) {}

  add(message: ProjectedMessage, fields: { sessionId: string; version?: string; model?: string }): void {
    const p = this.#projection;
    if (
      p &&
      (p.conversation_id !== fields.sessionId ||
        p.client_version !== fields.version ||
        p.model !== fields.model ||
        this.#full(p, message))
    )
      this.flush();
    this.#projection ??= this.#newProjection(fields);
    this.#projection.messages.push(message);
  }

  /** Full, at a point where a tool result does not lose its call (the gateway names results from calls in the same batch). */
  #full(p: ProjectedExchange, next: ProjectedMessage): boolean {
    if (p.messages.length >= 4 * BATCH_MESSAGES) return true;
    const result = Array.isArray(next.content) && next.content.some((part) => part.type === 'tool_result');
    return p.messages.length >= BATCH_MESSAGES && !result;
  }

  #newProjection(fields: { sessionId: string; version?: string; model?: string }): ProjectedExchange {
    const { file } = this;
    const p: ProjectedExchange = {
      provider: 'anthropic',
      conversation_id: fields.sessionId,
      session_id: fields.sessionId,
      conversation_source: 'claude_code',
      client_name: 'claude',
      messages: [],
    };
    if (fields.version) p.client_version = fields.version;
    if (fields.model) p.model = fields.model;
    if (file.agentId) {
      p.agent_id = file.agentId;
      p.is_sidechain = true;
    }
    if (file.parentAgentId) p.parent_agent_id = file.parentAgentId;
    if (file.meta?.agent_type) p.agent_type = file.meta.agent_type;
    if (file.meta?.tool_use_id) p.parent_tool_call_id = file.meta.tool_use_id;
    return p;
  }

  flush(): void {
    const p = this.#projection;
    this.#projection = undefined;
    if (!p || p.messages.length === 0) return;
    const r = this.writer.write({ projection: p, file: this.file.path });
    tallyImportResult(this.summary, r);
  }
}

function claudeAttributes(usage: boolean): JsonObject {
  return {
    claude: usage ? { identity_source: 'transcript', usage_source: 'transcript' } : { identity_source: 'transcript' },
  };
}

async function importFile(
  writer: HistoryImport,
  file: FileContext,
  scan: SessionScan,
  summary: ImportSummary,
  options: ClaudeImportOptions,
): Promise<Set<string>> {
  const sessions = new Set<string>();
  const batcher = new Batcher(writer, file, summary);
  const ordinals = new Map<string, number>();
  const scope = file.agentId ?? 'main';
  let model = scan.firstModel.get(file.path);
  let seq = 0;
  for await (const line of jsonlLines(file.path)) {
    const row = parseJsonlObject(line.text);
    if (!row) {
      countSkip(summary, line.unterminated ? 'truncated_last_line' : 'invalid_json');
      continue;
    }
    const entry = transcriptEntryOf(row, seq++);
    const message = row.message as Record<string, unknown> | undefined;
    if (!entry?.role || !entry.unitKey || !message) {
      countSkip(summary, 'not_a_message');
      continue;
    }
    if (entry.role === 'assistant') model = str(message.model) ?? model;
    const base = unitMatchBase(scope, entry.role, entry.unitKey);
    const ordinal = ordinals.get(base) ?? 0;
    ordinals.set(base, ordinal + 1);
    const time = entry.native.message_created_at;
    if (options.since !== undefined && time !== undefined && time < options.since) {
      countSkip(summary, 'before_since');
      continue;
    }
    const sessionId = entry.sessionId ?? file.sessionId;
    if (!sessionId) {
      countSkip(summary, 'no_session_id');
      continue;
    }
    sessions.add(sessionId);
    const carrier = entry.messageId ? scan.carriers.get(entry.messageId) : undefined;
    const carries = carrier !== undefined && carrier.uuid === entry.uuid;
    const msg: ProjectedMessage = {
      role: entry.role,
      content: messageParts(contentBlocks(message.content)),
      ...entry.native,
      message_id: entry.uuid,
      previous_message_id: entry.parentUuid ? [entry.parentUuid] : [],
      match_key: unitMatchKey(base, ordinal),
      attributes: claudeAttributes(carries && carrier.usage !== undefined),
    };
    if (entry.frame) msg.raw_frame = JSON.parse(entry.frame) as JsonObject;
    if (carries && carrier.usage) msg.usage = carrier.usage;
    if (carries && carrier.stopReason) msg.finish = finishOf(carrier.stopReason);
    summary.messages++;
    const version = str(row.version);
    batcher.add(msg, { sessionId, ...(version ? { version } : {}), ...(model ? { model } : {}) });
  }
  batcher.flush();
  options.onFile?.();
  return sessions;
}

/** Import one session: its main transcript, then its sub-agents (linked to the calls that spawned them). */
export async function importSession(
  writer: HistoryImport,
  session: SessionFiles,
  summary: ImportSummary,
  options: ClaudeImportOptions,
): Promise<void> {
  const metas = new Map<string, SubagentMeta | undefined>();
  for (const agent of session.agents) metas.set(agent.path, await readSubagentMeta(agent.path));
  const spawnIds = new Set<string>();
  for (const meta of metas.values()) if (meta?.tool_use_id) spawnIds.add(meta.tool_use_id);
  const scan = emptyScan();
  const files: Array<{ path: string; agentId: string | undefined }> = [
    ...(session.main ? [{ path: session.main, agentId: undefined }] : []),
    ...session.agents.map((a) => ({ path: a.path, agentId: a.agentId })),
  ];
  const readable: typeof files = [];
  for (const f of files) {
    try {
      await scanTranscript(f.path, f.agentId ?? 'main', spawnIds, scan);
      readable.push(f);
    } catch {
      countSkip(summary, 'unreadable_file');
    }
  }
  const sessions = new Set<string>();
  for (const f of readable) {
    const meta = metas.get(f.path);
    const spawner = meta?.tool_use_id ? scan.spawners.get(meta.tool_use_id) : undefined;
    const file: FileContext = {
      path: f.path,
      sessionId: session.sessionId,
      agentId: f.agentId,
      meta,
      parentAgentId: spawner !== undefined && spawner !== 'main' ? spawner : undefined,
    };
    summary.files++;
    for (const id of await importFile(writer, file, scan, summary, options)) sessions.add(id);
  }
  summary.sessions += sessions.size;
}
