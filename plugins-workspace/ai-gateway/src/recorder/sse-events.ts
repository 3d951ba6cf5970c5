/** Server-sent events of a captured response, parsed with eventsource-parser. */
import { createParser } from 'eventsource-parser';
import type { CapturedSseEvent } from '../api-types.js';

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

const OPENS_LIKE_EVENT_STREAM = /^\uFEFF?(?:(?:event|data|id|retry):|:)/;

/**
 * An event stream by its content-type, or, when the upstream sent no content-type (some
 * backends stream without one), by a body that opens with an SSE field or comment line.
 */
export function isEventStream(contentType: string | undefined, body: string): boolean {
  const type = mediaType(contentType);
  if (type === 'text/event-stream') return true;
  return type === '' && OPENS_LIKE_EVENT_STREAM.test(body.slice(0, 64));
}

/** Every event in arrival order, including a final one that lacks its blank line. */
export function parseEventStream(text: string): CapturedSseEvent[] {
  const events: CapturedSseEvent[] = [];
  const parser = createParser({
    onEvent: (e) =>
      events.push({ event: e.event ?? 'message', data: e.data, ...(e.id !== undefined ? { id: e.id } : {}) }),
  });
  parser.feed(text);
  // Two line breaks end a trailing field line and dispatch its event; after a complete
  // stream they are an empty event, which the parser does not dispatch.
  parser.feed('\n\n');
  return events;
}
