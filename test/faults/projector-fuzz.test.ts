/**
 * Property test of the capture side: real Anthropic and OpenAI request bodies and replies
 * (JSON and SSE), truncated and mutated (seeded, bounded), sent through the real daemon with
 * the Claude and Codex projectors active. Properties: the client gets exactly the bytes the
 * upstream sent, every exchange is recorded, nothing goes unhandled, clean cases still project.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SeededRandom } from '../../harness/seeded-random.js';
import {
  encodeSseEvent,
  requestHeaders,
  requestTemplate,
  replyBody,
  streamEvents,
  PROTOCOL_PATH,
  type Protocol,
} from '../../harness/protocol-samples.js';
import { waitFor } from '../../harness/wait.js';
import { caseMarker, countRows, exchanges, httpCall, startRig, unhandledErrors, type Rig } from './fault-rig.js';

const SEED = 20251124;
const CASES = 160;
const CONCURRENCY = 6;

interface FuzzCase {
  id: string;
  protocol: Protocol;
  request: Buffer;
  reply: Buffer;
  sse: boolean;
  clean: boolean;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const ODD_VALUES: Json[] = [
  null,
  0,
  -1,
  1e308,
  '',
  'x'.repeat(5000),
  [],
  {},
  [null],
  { type: null },
  true,
  '\u0000\ud800',
  { text: { nested: [] } },
];
const FRAGMENTS = [
  'null',
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  '\\u0000',
  '1e999',
  '{"type":"content_block_delta"}',
  '\n\n',
  'data: ',
  'event: error\n',
  '\r',
  '\ufeff',
];

/** Replace one random node of a JSON value with an odd value of another type. */
function mutateJson(value: Json, random: SeededRandom): Json {
  if (Array.isArray(value) && value.length > 0 && random.int(3) > 0) {
    const copy = [...value];
    const i = random.int(copy.length);
    copy[i] = mutateJson(copy[i]!, random);
    return copy;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0 && random.int(4) > 0) {
      const k = random.pick(keys);
      if (random.int(6) === 0) {
        const { [k]: _drop, ...rest } = value;
        return rest;
      }
      return { ...value, [k]: mutateJson(value[k]!, random) };
    }
  }
  return random.pick(ODD_VALUES);
}

function mutateBytes(bytes: Buffer, random: SeededRandom): Buffer {
  const at = random.int(bytes.length + 1);
  switch (random.int(5)) {
    case 0:
      return bytes.subarray(0, at);
    case 1: {
      const out = Buffer.from(bytes);
      for (let k = 0; k < 1 + random.int(8); k++) if (out.length > 0) out[random.int(out.length)] = random.int(256);
      return out;
    }
    case 2:
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + random.int(200)))]);
    case 3:
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.max(0, at - 100), at), bytes.subarray(at)]);
    default:
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(random.pick(FRAGMENTS)), bytes.subarray(at)]);
  }
}

function maybeMutateJsonText(text: string, random: SeededRandom): string {
  return JSON.stringify(mutateJson(JSON.parse(text) as Json, random));
}

function buildCase(i: number, random: SeededRandom): FuzzCase {
  const protocol: Protocol = random.int(2) === 0 ? 'anthropic' : 'openai';
  const sse = random.int(3) > 0;
  const id = `fuzz-${i}`;
  const clean = random.int(5) === 0;
  let request = requestTemplate(protocol, {
    sessionId: `fuzz-session-${i}`,
    targetBytes: 2000 + random.int(6000),
    stream: sse,
    seed: i,
  }).build(i);
  if (!clean && random.int(5) < 3)
    request =
      random.int(2) === 0 ? Buffer.from(maybeMutateJsonText(request.toString(), random)) : mutateBytes(request, random);
  const reply = {
    id: `${protocol === 'anthropic' ? 'msg' : 'resp'}_fuzz_${i}`,
    chunks: Array.from({ length: 1 + random.int(6) }, (_, k) => `part${k} `),
  };
  let body: Buffer;
  if (sse) {
    const events = streamEvents(protocol, reply);
    if (!clean)
      for (let k = 0; k < 1 + random.int(3); k++) {
        const e = random.int(events.length);
        events[e] = { ...events[e]!, data: maybeMutateJsonText(events[e]!.data, random) };
      }
    body = Buffer.from(events.map(encodeSseEvent).join(''));
    if (!clean && random.int(3) === 0) body = mutateBytes(body, random);
  } else {
    body = Buffer.from(replyBody(protocol, reply));
    if (!clean)
      body =
        random.int(2) === 0 ? Buffer.from(maybeMutateJsonText(body.toString(), random)) : mutateBytes(body, random);
  }
  return { id, protocol, request, reply: body, sse, clean };
}

const random = new SeededRandom(SEED);
const cases = Array.from({ length: CASES }, (_, i) => buildCase(i, random));
const byId = new Map(cases.map((c) => [c.id, c]));
let rig: Rig;

function respond(req: IncomingMessage, res: ServerResponse): boolean {
  const c = byId.get(String(req.headers['x-fake-id']));
  if (!c) return false;
  res.writeHead(200, {
    'content-type': c.sse ? 'text/event-stream; charset=utf-8' : 'application/json',
    'content-length': String(c.reply.length),
  });
  res.end(c.reply);
  return true;
}

before(async () => {
  rig = await startRig({ custom: respond });
});

after(async () => {
  await rig?.stop();
});

test(
  `${CASES} mutated exchanges (seed ${SEED}): exact bytes to the client, all recorded, nothing unhandled`,
  { timeout: 60_000 },
  async () => {
    const errorsBefore = rig.daemon.logLines().filter((l) => l.level === 'error').length;
    let next = 0;
    const mismatches: string[] = [];
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const headers = { ...requestHeaders(c.protocol, `fuzz-session-${c.id}`), 'x-fake-id': c.id };
        const res = await httpCall(rig.endpoint, {
          path: `${PROTOCOL_PATH[c.protocol]}?${caseMarker(c.id)}`,
          headers,
          body: c.request,
        });
        if (res.status !== 200 || res.error !== null || !res.body.equals(c.reply))
          mismatches.push(
            `${c.id}: status ${res.status}, error ${res.error}, ${res.body.length}/${c.reply.length} bytes`,
          );
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual(mismatches, []);

    await waitFor(
      () =>
        countRows(rig.daemon, "SELECT count(*) AS n FROM ai_gateway_exchanges WHERE instr(path, 'case=fuzz-') > 0") ===
          CASES || undefined,
      `all ${CASES} exchanges recorded`,
      30_000,
    );
    const rows = exchanges(rig.daemon, "instr(path, 'case=fuzz-') > 0");
    const unprojectedClean = cases
      .filter((c) => c.clean)
      .filter((c) => {
        const row = rows.find((r) => r.path.includes(caseMarker(c.id)));
        return !row || !(Number(row.rows_written) > 0);
      });
    assert.deepEqual(
      unprojectedClean.map((c) => c.id),
      [],
      'unmutated exchanges must still be projected (the property is not vacuous)',
    );
    assert.deepEqual(unhandledErrors(rig.daemon), []);
    const errors = rig.daemon
      .logLines()
      .filter((l) => l.level === 'error')
      .slice(errorsBefore);
    assert.deepEqual(
      errors.map((l) => `${l.event}: ${String(l.error ?? l.message ?? '')}`),
      [],
      'a bad body is a warning at most, never an error of the writer',
    );
    assert.equal(rig.daemon.status().state, 'running');
  },
);
