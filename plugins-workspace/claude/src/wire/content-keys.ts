import { hash } from 'node:crypto';
import type { JsonValue } from '@hypaware/core';
import { firstString as str } from '../util/json.js';

/**
 * Keys that say "this is the same content block" across the wire (request history,
 * reconstructed replies) and Claude Code transcripts. They ignore fields that only one side
 * carries or that move from turn to turn (`cache_control`, `caller`).
 */

/** A content block as parsed from JSON (a request, a reply, a transcript line). */
export type Block = { type?: string; [key: string]: JsonValue | undefined };

const VOLATILE_KEYS = new Set(['cache_control', 'caller']);

/** One-shot hashing (no Hash object): this runs for every block of every exchange. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** JSON with sorted keys; drops volatile keys, `undefined` and `null` members. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .filter(
        (k) =>
          !VOLATILE_KEYS.has(k) &&
          (value as Record<string, unknown>)[k] !== undefined &&
          (value as Record<string, unknown>)[k] !== null,
      )
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A message `content` as a list of blocks: a string becomes one text block. */
export function contentBlocks(content: unknown): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  return content.filter((b): b is Block => b !== null && typeof b === 'object' && !Array.isArray(b));
}

/** Identity key of one content block. */
export function blockKey(block: Block): string {
  const type = typeof block.type === 'string' ? block.type : 'text';
  const callId = str(block.id);
  if (callId && (type === 'tool_use' || type === 'server_tool_use' || type === 'mcp_tool_use')) return `call:${callId}`;
  const resultFor = str(block.tool_use_id);
  if (resultFor && type.endsWith('tool_result')) return `result:${type}:${resultFor}`;
  if (type === 'thinking') {
    const signature = str(block.signature);
    return signature ? `thinking:${signature}` : `thinking#${sha256Hex(String(block.thinking ?? ''))}`;
  }
  if (type === 'redacted_thinking') return `redacted#${sha256Hex(String(block.data ?? ''))}`;
  if (type === 'text') return `text#${sha256Hex(String(block.text ?? '').trim())}`;
  return `${type}#${sha256Hex(canonicalJson(block))}`;
}

/** Identity key of a unit made of several blocks (one transcript line, one wire prompt). */
export function unitKey(blocks: Block[]): string {
  if (blocks.length === 1) return blockKey(blocks[0]!);
  return `group#${sha256Hex(blocks.map((b) => blockKey(b)).join('\n'))}`;
}

/** Harness context Claude Code prepends to user turns; never written as a transcript prompt. */
export function isSystemReminder(block: Block): boolean {
  return (
    block.type === 'text' && typeof block.text === 'string' && block.text.trimStart().startsWith('<system-reminder>')
  );
}
