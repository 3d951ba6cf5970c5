/**
 * `hyp codex import`: Codex rollouts into `ai_gateway_messages` with the rows live capture
 * writes for the same items. Every `response_item` is projected by the live projector's own
 * item mapping (responses-items.ts), so the gateway computes the same fallback ids: the chain
 * starts where live capture's did (the stored base-instructions root, when the session was
 * captured) and runs through the items in rollout order. Usage comes from the `token_count`
 * events, on the last assistant item of each response. One line in memory at a time; items
 * are written in batches cut between responses (or at a hard limit for rollouts without counts).
 */
import {
  tallyImportResult,
  type HistoryImport,
  type MessageFinish,
  type ProjectedExchange,
  type ProjectedMessage,
} from '@hypaware/ai-gateway';
import {
  countSkip,
  isPlainObject,
  jsonlLines,
  parseJsonlObject,
  type ImportSummary,
  type JsonObject,
} from '@hypaware/core';
import { compact, str } from '../json-values.js';
import { itemMessage } from '../responses-items.js';
import { tokenCount } from './rollout-usage.js';

const BATCH_MESSAGES = 256;
const TOOL_CALL_FINISH: MessageFinish = { reason: 'tool_call', recorded_as: 'tool_use' };

export interface CodexImportOptions {
  /** ISO time: items before it keep their place in the id chain but are not written */
  since?: string;
}

interface SessionMeta {
  id?: string;
  cwd?: string;
  cli_version?: string;
  originator?: string;
  thread_source?: string;
  parent_thread_id?: string;
}

interface Turn {
  turn_id?: string;
  model?: string;
  cwd?: string;
  sandbox?: string;
}

function sessionMetaOf(payload: Record<string, unknown>): SessionMeta {
  const source = isPlainObject(payload.source) ? payload.source : undefined;
  const subagent = source && isPlainObject(source.subagent) ? source.subagent : undefined;
  const spawn = subagent && isPlainObject(subagent.thread_spawn) ? subagent.thread_spawn : undefined;
  return compact({
    id: str(payload.id) ?? str(payload.session_id),
    cwd: str(payload.cwd),
    cli_version: str(payload.cli_version),
    originator: str(payload.originator),
    thread_source: str(payload.thread_source) ?? (subagent ? 'subagent' : undefined),
    parent_thread_id: str(spawn?.parent_thread_id) ?? str(payload.parent_thread_id),
  }) as SessionMeta;
}

function turnOf(payload: Record<string, unknown>, previous: Turn): Turn {
  const sandbox = isPlainObject(payload.sandbox_policy) ? str(payload.sandbox_policy.type) : str(payload.sandbox_mode);
  return compact({
    turn_id: str(payload.turn_id) ?? previous.turn_id,
    model: str(payload.model) ?? previous.model,
    cwd: str(payload.cwd) ?? previous.cwd,
    sandbox: sandbox ?? previous.sandbox,
  }) as Turn;
}

/** One rollout file on its way to the gateway. */
class RolloutImport {
  meta: SessionMeta = {};
  turn: Turn = {};
  pending: ProjectedMessage[] = [];
  /** index in `pending` of the last assistant item since the last token count */
  carrier: number | undefined;
  lastTotal: number | undefined;
  previousId: string | undefined;
  started = false;
  conversation: string | undefined;

  constructor(
    readonly writer: HistoryImport,
    readonly path: string,
    readonly summary: ImportSummary,
    readonly options: CodexImportOptions,
  ) {}

  item(payload: Record<string, unknown>, time: string | undefined): void {
    const message = itemMessage(payload);
    if (!message || !this.meta.id) {
      countSkip(this.summary, this.meta.id ? 'not_a_message' : 'no_session_meta');
      return;
    }
    if (time) message.message_created_at = time;
    if (this.turn.turn_id) message.prompt_id = this.turn.turn_id;
    if (this.turn.cwd ?? this.meta.cwd) message.cwd = this.turn.cwd ?? this.meta.cwd!;
    // a response without a token count (older rollouts) must not hold items forever
    if (this.pending.length >= 4 * BATCH_MESSAGES) this.flush();
    this.pending.push(message);
    if (message.role === 'assistant') this.carrier = this.pending.length - 1;
    this.summary.messages++;
  }

  tokens(payload: Record<string, unknown>): void {
    const count = tokenCount(payload);
    if (!count) return;
    if (count.total === this.lastTotal) return;
    this.lastTotal = count.total;
    const carrier = this.carrier !== undefined ? this.pending[this.carrier] : undefined;
    if (!carrier) {
      countSkip(this.summary, 'usage_without_reply');
      return;
    }
    carrier.usage = count.usage;
    const call = Array.isArray(carrier.content) && carrier.content.some((p) => p.type === 'tool_call');
    carrier.finish = call ? TOOL_CALL_FINISH : { reason: 'stop' };
    this.carrier = undefined;
    // between responses nothing waits for usage: a batch can go
    if (this.pending.length >= BATCH_MESSAGES) this.flush();
  }

  flush(): void {
    this.carrier = undefined;
    const messages = this.pending;
    this.pending = [];
    if (messages.length === 0 || !this.meta.id) return;
    const conversation = this.meta.id;
    if (!this.started) {
      this.started = true;
      this.previousId = this.writer.chainStart(conversation);
    }
    const r = this.writer.write({
      projection: this.projection(conversation, messages),
      file: this.path,
      ...(this.previousId !== undefined ? { previousMessageId: this.previousId } : {}),
      ...(this.options.since ? { since: this.options.since } : {}),
    });
    this.previousId = r.last_message_id ?? this.previousId;
    tallyImportResult(this.summary, r);
  }

  projection(conversation: string, messages: ProjectedMessage[]): ProjectedExchange {
    const { meta, turn } = this;
    const subagent = meta.thread_source === 'subagent' || meta.parent_thread_id !== undefined;
    return compact({
      provider: 'openai',
      conversation_id: conversation,
      session_id: conversation,
      agent_id: subagent ? conversation : undefined,
      parent_agent_id: subagent ? meta.parent_thread_id : undefined,
      conversation_source: 'codex',
      cwd: turn.cwd ?? meta.cwd,
      client_name: 'codex',
      client_version: meta.cli_version,
      entrypoint: meta.originator,
      user_type: meta.thread_source,
      permission_mode: turn.sandbox,
      is_sidechain: subagent ? true : undefined,
      model: turn.model,
      attributes: {
        codex: compact({
          session_id: conversation,
          thread_id: conversation,
          thread_source: meta.thread_source,
          parent_thread_id: meta.parent_thread_id,
          originator: meta.originator,
        }) as JsonObject,
      },
      messages,
    }) as ProjectedExchange;
  }
}

/** Import one rollout file; returns its session id (undefined: no session_meta line). */
export async function importRollout(
  writer: HistoryImport,
  path: string,
  summary: ImportSummary,
  options: CodexImportOptions,
): Promise<string | undefined> {
  const run = new RolloutImport(writer, path, summary, options);
  for await (const line of jsonlLines(path)) {
    const row = parseJsonlObject(line.text);
    const payload = row && isPlainObject(row.payload) ? row.payload : undefined;
    if (!row || !payload) {
      countSkip(summary, !row ? (line.unterminated ? 'truncated_last_line' : 'invalid_json') : 'no_payload');
      continue;
    }
    const time =
      typeof row.timestamp === 'string' && !Number.isNaN(Date.parse(row.timestamp))
        ? new Date(row.timestamp).toISOString()
        : undefined;
    switch (row.type) {
      case 'session_meta':
        // a resumed or forked rollout may repeat it: the first one names the thread
        if (!run.meta.id) run.meta = sessionMetaOf(payload);
        break;
      case 'turn_context':
        run.turn = turnOf(payload, run.turn);
        break;
      case 'response_item':
        run.item(payload, time);
        break;
      case 'event_msg':
        if (payload.type === 'token_count') run.tokens(payload);
        break;
      default:
        break;
    }
  }
  run.flush();
  return run.meta.id;
}
