/**
 * One exchange record as bytes in a spill file. A frame is a 12-byte head (three unsigned
 * 32-bit little-endian lengths: the JSON of the scalar fields and headers, the request body,
 * the response body, with 0xFFFFFFFF for "no body"), then those three parts. Headers in a
 * frame are already redacted to the projector's view (scheme and key kind, no secret
 * characters), so a spill file never holds a credential.
 */
import type { ExchangeRecord } from '../exchange-record.js';
import { sharedCopy } from '../shared-slab.js';
import { spillHeaders } from '../recorder/header-redaction.js';

export const FRAME_HEAD_BYTES = 12;
const NO_BODY = 0xffffffff;

type Meta = Omit<ExchangeRecord, 'request_body' | 'response_body'>;

export interface EncodedFrame {
  /** the head and the JSON, then the bodies as they are (no copy) */
  parts: Uint8Array[];
  bytes: number;
}

export function encodeFrame(record: ExchangeRecord, secrets: ReadonlySet<string>): EncodedFrame {
  const { request_body: request, response_body: response, ...scalars } = record;
  const meta: Meta = {
    ...scalars,
    request_headers: spillHeaders(record.request_headers, secrets),
    response_headers: record.response_headers ? spillHeaders(record.response_headers, secrets) : null,
  };
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.allocUnsafe(FRAME_HEAD_BYTES);
  head.writeUInt32LE(json.length, 0);
  head.writeUInt32LE(request ? request.byteLength : NO_BODY, 4);
  head.writeUInt32LE(response ? response.byteLength : NO_BODY, 8);
  const parts: Uint8Array[] = [head, json];
  if (request && request.byteLength > 0) parts.push(request);
  if (response && response.byteLength > 0) parts.push(response);
  return { parts, bytes: FRAME_HEAD_BYTES + json.length + (request?.byteLength ?? 0) + (response?.byteLength ?? 0) };
}

export interface FrameHead {
  metaBytes: number;
  requestBytes: number | null;
  responseBytes: number | null;
  /** head included */
  frameBytes: number;
}

export function readFrameHead(bytes: Uint8Array, offset: number): FrameHead {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset + offset, FRAME_HEAD_BYTES);
  const metaBytes = view.readUInt32LE(0);
  const request = view.readUInt32LE(4);
  const response = view.readUInt32LE(8);
  const requestBytes = request === NO_BODY ? null : request;
  const responseBytes = response === NO_BODY ? null : response;
  return {
    metaBytes,
    requestBytes,
    responseBytes,
    frameBytes: FRAME_HEAD_BYTES + metaBytes + (requestBytes ?? 0) + (responseBytes ?? 0),
  };
}

/** The record of a complete frame at `offset` of `bytes`; throws on a frame that is not one. */
export function decodeFrame(bytes: Uint8Array, offset: number, head: FrameHead): ExchangeRecord {
  let at = offset + FRAME_HEAD_BYTES;
  const meta = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + at, head.metaBytes).toString('utf8')) as Meta;
  if (
    typeof meta !== 'object' ||
    meta === null ||
    typeof meta.exchange_id !== 'string' ||
    !Array.isArray(meta.request_headers)
  ) {
    throw new Error('not an exchange record');
  }
  at += head.metaBytes;
  // bodies go to shared memory, as the proxy's own records do, so they cross to the writer without a copy
  const body = (length: number | null): Uint8Array | null => {
    if (length === null) return null;
    const out = sharedCopy(bytes.subarray(at, at + length));
    at += length;
    return out;
  };
  const request_body = body(head.requestBytes);
  const response_body = body(head.responseBytes);
  return { ...meta, request_body, response_body };
}
