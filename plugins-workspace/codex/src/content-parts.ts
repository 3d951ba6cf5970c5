/**
 * Content parts of Chat Completions and Responses messages, as content blocks. Text stays
 * text; images, audio and files become markers (kind, media type, reference) and never carry
 * their payload. The same function serves request history and reconstructed replies, so a
 * replayed message projects exactly like the reply it came from (same identity hash).
 */
import type { ContentBlock } from '@hypaware/ai-gateway';
import { compact, isRecord, str } from './json-values.js';

const TEXT_PART_TYPES = new Set(['text', 'input_text', 'output_text', 'summary_text', 'reasoning_text']);
const DATA_URL = /^data:([^;,]+)?[;,]/i;

export function textBlock(text: string): ContentBlock {
  return { type: 'text', text };
}

function mediaTypeOfDataUrl(url: string | undefined): string | undefined {
  const m = url ? DATA_URL.exec(url) : null;
  return m ? (m[1] ?? 'application/octet-stream').toLowerCase() : undefined;
}

/** A reference that is not inline data (inline data is replaced by its media type). */
function reference(url: string | undefined): string | undefined {
  return url && !DATA_URL.test(url) ? url : undefined;
}

function imageMarker(url: string | undefined, fileId: string | undefined, detail: unknown): ContentBlock {
  return compact({
    type: 'image',
    media_type: mediaTypeOfDataUrl(url),
    url: reference(url),
    file_id: fileId,
    detail: str(detail),
  });
}

function fileMarker(file: Record<string, unknown>): ContentBlock {
  const data = str(file.file_data);
  return compact({
    type: 'file',
    filename: str(file.filename),
    file_id: str(file.file_id),
    url: reference(str(file.file_url)),
    media_type: mediaTypeOfDataUrl(data),
  });
}

/** One content part (Chat or Responses shape) as a block, or undefined when it holds nothing. */
function partBlock(part: unknown): ContentBlock | undefined {
  if (typeof part === 'string') return part === '' ? undefined : textBlock(part);
  if (!isRecord(part)) return undefined;
  const type = str(part.type) ?? 'text';
  if (TEXT_PART_TYPES.has(type)) {
    const text = str(part.text);
    return text === undefined ? undefined : textBlock(text);
  }
  switch (type) {
    case 'refusal': {
      const text = str(part.refusal);
      return text === undefined ? undefined : textBlock(text);
    }
    case 'image_url': {
      const image = isRecord(part.image_url) ? part.image_url : { url: part.image_url };
      return imageMarker(str(image.url), undefined, image.detail);
    }
    case 'input_image':
      return imageMarker(str(part.image_url), str(part.file_id), part.detail);
    case 'input_audio': {
      const audio = isRecord(part.input_audio) ? part.input_audio : {};
      return compact({ type: 'audio', format: str(audio.format) });
    }
    case 'file':
      return fileMarker(isRecord(part.file) ? part.file : {});
    case 'input_file':
      return fileMarker(part);
    default:
      return compact({ type, text: str(part.text) });
  }
}

/** Blocks of a message `content`: a string, or a list of parts. */
export function contentBlocks(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [textBlock(content)];
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) => {
    const block = partBlock(part);
    return block ? [block] : [];
  });
}

/** Plain text of a content value (text parts joined by newlines). */
export function contentText(content: unknown): string {
  return contentBlocks(content)
    .flatMap((b) => (b.type === 'text' && typeof b.text === 'string' ? [b.text] : []))
    .join('\n');
}

/**
 * The `content` of a tool_result block: a string stays a string; a list of parts becomes
 * blocks (text, image markers). Anything else is kept as JSON text.
 */
export function toolResultContent(output: unknown): string | ContentBlock[] {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return contentBlocks(output);
  if (output === undefined || output === null) return '';
  return JSON.stringify(output);
}
