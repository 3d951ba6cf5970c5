/**
 * `content_text` of one message part. Inline base64 payloads (data URIs anywhere in the text,
 * base64 sources of image and file parts) never reach the column: a marker with the media
 * type and the payload size takes their place.
 */
import { isPlainObject } from '@hypaware/core';
import type { MessagePart } from '../api-types.js';

const DATA_URI_BASE64 = /data:([\w.+-]+\/[\w.+-]+)?(?:;[\w.+-]+=[^;,\s"']*)*;base64,[A-Za-z0-9+/_=-]*/g;

export function base64Marker(mediaType: string | undefined, chars: number): string {
  return `[base64 ${mediaType || 'data'} omitted, ${chars} chars]`;
}

/** Replace every `data:<type>;base64,<payload>` with a marker naming the type. */
export function stripBase64(text: string): string {
  if (!text.includes(';base64,')) return text;
  return text.replace(DATA_URI_BASE64, (match, mediaType: string | undefined) =>
    base64Marker(mediaType, match.length - match.indexOf(',') - 1),
  );
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Text of an image or file part's source: a marker for base64, the URL, the inline text or the file id. */
function sourceText(source: unknown): string | undefined {
  if (!isPlainObject(source)) return undefined;
  const kind = str(source.type);
  if (kind === 'base64') return base64Marker(str(source.media_type), str(source.data)?.length ?? 0);
  if (kind === 'url') return str(source.url);
  if (kind === 'text') return stripBase64(str(source.data) ?? '');
  if (kind === 'file') return str(source.file_id) ? `[file ${str(source.file_id)}]` : undefined;
  return undefined;
}

/** A tool result's text: its string, or its text parts with a marker for each image or file. */
function toolResultText(content: unknown): string | undefined {
  if (typeof content === 'string') return stripBase64(content);
  if (!Array.isArray(content)) return undefined;
  const parts = content.flatMap((item: unknown): string[] => {
    if (!isPlainObject(item)) return [];
    if (item.type === 'image' || item.type === 'file')
      return [sourceText(item.source) ?? `[${str(item.native_type) ?? item.type}]`];
    const text = str(item.text);
    return text === undefined ? [] : [stripBase64(text)];
  });
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/** `content_text` of one part (its `type` already resolved). */
export function partContentText(part: MessagePart): string | undefined {
  switch (part.type) {
    case 'reasoning':
      return str(part.text);
    case 'tool_call':
      return undefined;
    case 'tool_result':
      return toolResultText(part.content);
    case 'image':
    case 'file':
      return sourceText(part.source);
    case 'error':
      return str(part.message);
    default: {
      const text = str((part as { text?: unknown }).text);
      return text === undefined ? undefined : stripBase64(text);
    }
  }
}
