/**
 * The Codex projector remembers each conversation's last request `input` items and keeps the
 * message of an item sent again unchanged: a pure optimisation. Over seeded random request
 * sequences (items added, edited, the history cut short, two conversations interleaved), the
 * projector that remembers projects exactly what a fresh projector projects, request by request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../harness/seeded-random.js';
import { activateCodex, exchange } from './codex-harness.js';

function randomItem(random: SeededRandom, n: number): Record<string, unknown> {
  switch (random.int(6)) {
    case 0:
      return {
        type: 'function_call',
        call_id: `call_${n}`,
        name: 'exec_command',
        arguments: `{"cmd":"ls ${random.int(4)}"}`,
      };
    case 1:
      return { type: 'function_call_output', call_id: `call_${random.int(n + 1)}`, output: `out ${random.int(5)}` };
    case 2:
      return {
        type: 'reasoning',
        id: `rs_${n}`,
        summary: [{ type: 'summary_text', text: `thought ${random.int(4)}` }],
      };
    case 3:
      return {
        type: 'message',
        role: 'assistant',
        id: `msg_${n}`,
        content: [{ type: 'output_text', text: `answer ${random.int(5)}` }],
      };
    default:
      return { type: 'message', role: 'user', content: [{ type: 'input_text', text: `prompt ${random.int(6)}` }] };
  }
}

test('the projector that remembers inputs projects what a fresh one projects', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'hyp-codex-memo-'));
  const remembering = activateCodex({ gatewayStateDir: stateDir });
  for (let seed = 1; seed <= 10; seed++) {
    const random = new SeededRandom(seed);
    const histories: Record<string, Record<string, unknown>[]> = { 'thread-a': [], 'thread-b': [] };
    for (let turn = 0; turn < 30; turn++) {
      const thread = random.int(3) === 0 ? 'thread-b' : 'thread-a';
      let items = histories[thread]!;
      const change = random.int(10);
      if (change < 6 || items.length < 2) items.push(randomItem(random, items.length));
      else if (change < 8) items[random.int(items.length)] = randomItem(random, random.int(items.length));
      else items = items.slice(0, 1 + random.int(items.length - 1));
      histories[thread] = items;
      const body = {
        model: 'gpt-5-codex',
        instructions: 'be brief',
        prompt_cache_key: thread,
        input: items,
        stream: false,
      };
      const reply = { id: `resp_${seed}_${turn}`, model: 'gpt-5-codex', output: [randomItem(random, 99)] };
      const ex = exchange({ body, reply });
      const fresh = activateCodex({ gatewayStateDir: stateDir }).project(ex);
      assert.deepEqual(remembering.project(ex), fresh, `seed ${seed}, turn ${turn} (${thread})`);
    }
  }
});
