import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activateCodex, exchange } from './codex-harness.js';

const codex = activateCodex();
const body = {
  model: 'gpt-5-codex',
  input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
};
const reply = {
  id: 'resp_1',
  object: 'response',
  status: 'completed',
  model: 'gpt-5-codex',
  output: [{ type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: 'hello' }] }],
  usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12 },
};

test('billing: Codex on a ChatGPT login is a subscription, an API key is api, anything else unknown', () => {
  const billing = (fields: Parameters<typeof exchange>[0]) =>
    codex.project(exchange({ body, reply, ...fields }))?.billing;
  assert.equal(
    billing({
      upstream: 'chatgpt',
      provider: 'chatgpt',
      path: '/backend-api/codex/responses',
      request_headers: { authorization: 'Bearer eyJ…', 'chatgpt-account-id': '…' },
    }),
    'subscription',
  );
  assert.equal(billing({ request_headers: { authorization: 'Bearer sk-proj-…' } }), 'api');
  assert.equal(billing({ request_headers: { authorization: 'Bearer …' } }), undefined);
});
