/**
 * Content parts of Chat Completions and Responses messages, as content blocks: text stays
 * text; images and files become `image` / `document` blocks with a `source` the gateway
 * turns into a marker (media type, URL or file id) in content_text; audio keeps its format.
 * The same function serves request history and reconstructed replies, so a replayed message
 * projects exactly like the reply it came from (same identity hash).
 */
import type { ContentBlock } from '@hypaware/ai-gateway';
import type { JsonObject } from '@hypaware/core';
import { compact, isRecord, str } from './json-values.js';

const TEXT_PART_TYPES = new Set(['text', 'input_text', 'output_text', 'summary_text', 'reasoning_text']);
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s;

export function textBlock(text: string): ContentBlock {
  return { type: 'text', text };
}

/**
 * The `source` of an image or document block, in the gateway's shape: a data URL becomes
 * `{type:'base64', media_type, data}` (the gateway puts a marker with the media type, never
 * the payload, in content_text), a URL `{type:'url'}`, an uploaded file `{type:'file'}`.
 */
function source(url: string | undefined, fileId: string | undefined): JsonObject | undefined {
  const data = url ? DATA_URL.exec(url) : null;
  if (data) {
    const base64 = data[2]!.split(';').includes('base64');
    return { type: base64 ? 'base64' : 'text', media_type: data[1] || 'application/octet-stream', data: data[3]! };
  }
  if (url) return { type: 'url', url };
  if (fileId) return { type: 'file', file_id: fileId };
  return undefined;
}

function mediaBlock(type: 'image' | 'document', url: string | undefined, fileId: string | undefined, extra: Record<string, string | undefined>): ContentBlock {
  return compact({ type, source: source(url, fileId), ...extra });
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
      return mediaBlock('image', str(image.url), undefined, { detail: str(image.detail) });
    }
    case 'input_image':
      return mediaBlock('image', str(part.image_url), str(part.file_id), { detail: str(part.detail) });
    case 'input_audio': {
      const audio = isRecord(part.input_audio) ? part.input_audio : {};
      return compact({ type: 'audio', format: str(audio.format) });
    }
    case 'file': {
      const file = isRecord(part.file) ? part.file : {};
      return mediaBlock('document', str(file.file_data), str(file.file_id), { title: str(file.filename) });
    }
    case 'input_file':
      return mediaBlock('document', str(part.file_data) ?? str(part.file_url), str(part.file_id), { title: str(part.filename) });
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
