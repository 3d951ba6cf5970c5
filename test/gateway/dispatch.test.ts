/** Projector dispatch: order, skipping, distinct skip reasons, conflicts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExchangeInput, ExchangeProjector, ProjectedExchange, ProjectorContext } from '@hypaware/ai-gateway';
import type { ProjectorEntry } from '@hypaware/ai-gateway/internal/gateway-state.js';
import { dispatchProjectors } from '@hypaware/ai-gateway/internal/recorder/projector-dispatch.js';
import { probeSet, projectorOverlaps } from '@hypaware/ai-gateway/internal/overlap-probe.js';
import { recordingLogger } from './gateway-fixtures.js';

const input: ExchangeInput = {
  exchange_id: 'ex1',
  ts_start: '2026-01-01T00:00:00.000Z',
  ts_end: '2026-01-01T00:00:01.000Z',
  duration_ms: 1000,
  upstream: 'up',
  provider: null,
  method: 'POST',
  path: '/v1/x?y=1',
  pathname: '/v1/x',
  status_code: 200,
  request_headers: {},
  response_headers: {},
  request_body: '{}',
  response_body: '{}',
  request_truncated: false,
  response_truncated: false,
  is_sse: false,
  stream_events: [],
  error: null,
  aborted: false,
  metadata: {},
};

const projection = (conversation: string): ProjectedExchange => ({
  provider: 'p',
  conversation_id: conversation,
  messages: [{ role: 'user', content: 'hi' }],
});

/** Entries in registration order; `calls` records which project() ran. */
function entries(calls: string[], ...list: Array<Partial<ExchangeProjector> & { name: string }>): ProjectorEntry[] {
  return list
    .map((p, seq) => ({
      seq,
      priority: p.priority ?? 0,
      projector: {
        name: p.name,
        match: p.match ?? (() => true),
        project: (x: ExchangeInput, ctx: ProjectorContext) => {
          calls.push(p.name);
          return p.project ? p.project(x, ctx) : projection(p.name);
        },
      },
    }))
    .sort((a, b) => b.priority - a.priority || a.seq - b.seq);
}

test('priority desc, then registration order; the first valid non-empty projection wins and later ones are not called', async () => {
  const calls: string[] = [];
  const { log, events } = recordingLogger();
  const result = await dispatchProjectors(
    entries(calls, { name: 'low', priority: 1 }, { name: 'high-a', priority: 5 }, { name: 'high-b', priority: 5 }),
    input,
    log,
    0,
  );
  assert.equal(result.projector, 'high-a');
  assert.equal(result.projection?.conversation_id, 'high-a');
  assert.deepEqual(calls, ['high-a']);
  assert.equal(result.skipReason, null);
  assert.deepEqual(result.matched, ['high-a', 'high-b', 'low']);
  const conflict = events('aigw.projector_conflict');
  assert.equal(conflict.length, 1);
  assert.equal(conflict[0]!.winner, 'high-a');
});

test('throw, invalid output, undefined and empty projections are skipped in order', async () => {
  const calls: string[] = [];
  const { log, events } = recordingLogger();
  const result = await dispatchProjectors(
    entries(
      calls,
      {
        name: 'throws',
        priority: 9,
        project: () => {
          throw new Error('bad');
        },
      },
      { name: 'invalid', priority: 8, project: () => ({ provider: '', conversation_id: 'c', messages: [] }) },
      { name: 'declines', priority: 7, project: () => undefined },
      { name: 'empty', priority: 6, project: () => ({ provider: 'p', conversation_id: 'c', messages: [] }) },
      { name: 'async-ok', priority: 5, project: async () => projection('async') },
      { name: 'never', priority: 4 },
    ),
    input,
    log,
    0,
  );
  assert.deepEqual(calls, ['throws', 'invalid', 'declines', 'empty', 'async-ok']);
  assert.equal(result.projector, 'async-ok');
  assert.equal(events('aigw.projector_error')[0]!.projector, 'throws');
  assert.equal(events('aigw.projector_invalid_output')[0]!.projector, 'invalid');
});

test('distinct skip reasons: no projector matched vs every matching projector failed vs all declined', async () => {
  const { log, events } = recordingLogger();
  const none = await dispatchProjectors(
    entries(
      [],
      { name: 'no', match: () => false },
      {
        name: 'boom',
        match: () => {
          throw new Error('x');
        },
      },
    ),
    input,
    log,
    0,
  );
  assert.equal(none.skipReason, 'no_projector_match');
  assert.equal(events('aigw.projector_match_error')[0]!.projector, 'boom');

  const failed = await dispatchProjectors(
    entries(
      [],
      {
        name: 'throws',
        project: () => {
          throw new Error('bad');
        },
      },
      { name: 'declines', project: () => undefined },
    ),
    input,
    log,
    0,
  );
  assert.equal(failed.skipReason, 'all_projectors_failed');

  const declined = await dispatchProjectors(entries([], { name: 'declines', project: () => undefined }), input, log, 0);
  assert.equal(declined.skipReason, 'empty_projection');

  const empty = await dispatchProjectors([], input, log, 0);
  assert.equal(empty.skipReason, 'no_projector_match');
  assert.deepEqual(
    events('aigw.message_projection_skipped').map((f) => f.reason),
    ['no_projector_match', 'all_projectors_failed', 'empty_projection', 'no_projector_match'],
  );
});

test('ProjectorContext.attempt is passed through; re-checks do not repeat the skip warning', async () => {
  const { log, events } = recordingLogger();
  const attempts: number[] = [];
  await dispatchProjectors(
    entries([], {
      name: 'a',
      project: (_x, ctx) => {
        attempts.push(ctx.attempt);
        return undefined;
      },
    }),
    input,
    log,
    2,
  );
  assert.deepEqual(attempts, [2]);
  assert.equal(events('aigw.message_projection_skipped').length, 0);
});

test('projector overlaps at equal priority are found by probing the traffic the presets describe', () => {
  const probes = probeSet([
    {
      probes: [
        { path: '/v1/messages', headers: { 'anthropic-version': ['2023-06-01'], 'x-api-key': ['sk-ant-api03-…'] } },
      ],
    },
    {
      probes: [
        { path: '/v1/chat/completions', headers: { authorization: ['Bearer sk-proj-…'] } },
        { path: '/v1/responses' },
      ],
    },
  ]);
  const overlaps = projectorOverlaps(
    entries(
      [],
      {
        name: 'anthropic-ish',
        priority: 100,
        match: (x) => x.pathname.startsWith('/v1/messages') || Boolean(x.request_headers['x-api-key']),
      },
      {
        name: 'openai-ish',
        priority: 100,
        match: (x) => x.pathname.startsWith('/v1/') && !x.pathname.startsWith('/v1/messages'),
      },
      { name: 'fallback', priority: 1, match: () => true },
    ),
    probes,
  );
  assert.deepEqual(
    overlaps.map((o) => `${o.winner}>${o.other}@${o.priority}`),
    ['anthropic-ish>openai-ish@100'],
  );
  assert.match(overlaps[0]!.example, /x-api-key/);
});
