/**
 * `content_text` of one content block. Inline base64 payloads (data URIs anywhere in the
 * text, base64 sources of image/document blocks) never reach the column: a marker with the
 * media type and the payload size takes their place.
 */
import type { ContentBlock } from '../api-types.js';

const DATA_URI_BASE64 = /data:([\w.+-]+\/[\w.+-]+)?(?:;[\w.+-]+=[^;,\s"']*)*;base64,[A-Za-z0-9+/_=-]*/g;

export function base64Marker(mediaType: string | undefined, chars: number): string {
  return `[base64 ${mediaType || 'data'} omitted, ${chars} chars]`;
}

/** Replace every `data:<type>;base64,<payload>` with a marker naming the type. */
export function stripBase64(text: string): string {
  if (!text.includes(';base64,')) return text;
  return text.replace(DATA_URI_BASE64, (match, mediaType: string | undefined) => base64Marker(mediaType, match.length - match.indexOf(',') - 1));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Text of an image/document block: a marker for base64, the URL or inline text otherwise. */
function sourceText(block: ContentBlock): string | undefined {
  const source = block.source;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
  const kind = str(source.type);
  if (kind === 'base64') return base64Marker(str(source.media_type), str(source.data)?.length ?? 0);
  if (kind === 'url') return str(source.url);
  if (kind === 'text') return stripBase64(str(source.data) ?? '');
  if (kind === 'file') return str(source.file_id) ? `[file ${str(source.file_id)}]` : undefined;
  return undefined;
}

function toolResultText(content: unknown): string | undefined {
  if (typeof content === 'string') return stripBase64(content);
  if (!Array.isArray(content)) return undefined;
  const parts = content.flatMap((item): string[] => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return [];
    const block = item as ContentBlock;
    if (block.type === 'image' || block.type === 'document') return [sourceText(block) ?? `[${block.type}]`];
    const text = str(block.text);
    return text === undefined ? [] : [stripBase64(text)];
  });
  return parts.length > 0 ? parts.join('\n') : undefined;
}

export function partContentText(block: ContentBlock): string | undefined {
  switch (block.type) {
    case 'thinking':
      return str(block.thinking);
    case 'redacted_thinking':
      return str(block.data);
    case 'tool_result':
      return toolResultText(block.content);
    case 'image':
    case 'document':
      return sourceText(block);
    case 'error':
      return str(block.message) ?? str(block.text);
    default: {
      const text = str(block.text);
      return text === undefined ? undefined : stripBase64(text);
    }
  }
}
