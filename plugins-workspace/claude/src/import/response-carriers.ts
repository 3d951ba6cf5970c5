/**
 * First pass over a session's transcripts: Claude Code writes one assistant line per content
 * block of a response, each with the response's usage (the same, or growing while it
 * streamed). The response's usage belongs on one carrier row, as live capture writes it: the
 * last line written for the response (`message.id`), with the largest value seen per counter.
 * The same pass finds the sub-agent spawns: which agent's line holds the tool_use a sub-agent's
 * `.meta.json` names.
 */
import type { MessageUsage } from '@hypaware/ai-gateway';
import { jsonlLines, parseJsonlObject } from '@hypaware/core';
import { firstString as str } from '../util/json.js';
import { contentBlocks } from '../wire/content-keys.js';

export interface ResponseCarrier {
  /** uuid of the response's last line */
  uuid: string;
  usage?: MessageUsage;
  stopReason?: string;
}

export interface SessionScan {
  /** by Anthropic message id */
  carriers: Map<string, ResponseCarrier>;
  /** tool_use id -> id of the agent whose transcript holds it (`main` for the main thread) */
  spawners: Map<string, string>;
  /** model of the first response of each file (the model of the prompts before it) */
  firstModel: Map<string, string>;
}

function maxUsage(into: MessageUsage | undefined, raw: unknown): MessageUsage | undefined {
  if (raw === null || typeof raw !== 'object') return into;
  const out: MessageUsage = { ...into };
  for (const key of [
    'input_tokens',
    'cache_read_input_tokens',
    'cache_creation_input_tokens',
    'output_tokens',
  ] as const) {
    const v = (raw as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= (out[key] ?? 0)) out[key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function emptyScan(): SessionScan {
  return { carriers: new Map(), spawners: new Map(), firstModel: new Map() };
}

/** Scan one transcript (`agent`: its agent id, `main` for the main thread) into `scan`. */
export async function scanTranscript(
  path: string,
  agent: string,
  spawnIds: ReadonlySet<string>,
  scan: SessionScan,
): Promise<void> {
  for await (const { text } of jsonlLines(path)) {
    if (!text.includes('"assistant"')) continue;
    const row = parseJsonlObject(text);
    const message =
      row && typeof row.message === 'object' && row.message !== null
        ? (row.message as Record<string, unknown>)
        : undefined;
    const uuid = str(row?.uuid);
    if (!message || !uuid || message.role !== 'assistant') continue;
    const model = str(message.model);
    if (model && !scan.firstModel.has(path)) scan.firstModel.set(path, model);
    const id = str(message.id);
    if (id) {
      const prev = scan.carriers.get(id);
      const carrier: ResponseCarrier = { uuid };
      const usage = maxUsage(prev?.usage, message.usage);
      if (usage) carrier.usage = usage;
      const stop = str(message.stop_reason) ?? prev?.stopReason;
      if (stop) carrier.stopReason = stop;
      scan.carriers.set(id, carrier);
    }
    if (spawnIds.size === 0) continue;
    for (const block of contentBlocks(message.content)) {
      const callId = str(block.id);
      if (block.type === 'tool_use' && callId && spawnIds.has(callId)) scan.spawners.set(callId, agent);
    }
  }
}
