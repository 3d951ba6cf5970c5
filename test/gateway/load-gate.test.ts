import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadGate, loadSampler, type LoadSample } from '@hypaware/ai-gateway/internal/handoff/load-gate.js';

function gate(samples: LoadSample[], maxHoldMs = 1000) {
  let i = 0;
  return new LoadGate({ sampleMs: 100, maxHoldMs, sample: () => samples[Math.min(i++, samples.length - 1)]! });
}

const BUSY: LoadSample = { loopUtilization: 0.9, cpuIdle: 0.02 };

test('the writer waits only while the proxy is busy AND the machine has no idle CPU', () => {
  assert.equal(gate([BUSY]).shouldHold(0), true);
  assert.equal(gate([{ loopUtilization: 0.9, cpuIdle: 0.5 }]).shouldHold(0), false, 'CPU to spare');
  assert.equal(
    gate([{ loopUtilization: 0.05, cpuIdle: 0 }]).shouldHold(0),
    false,
    'quiet proxy, machine busy with something else',
  );
  assert.equal(gate([{ loopUtilization: 0.05, cpuIdle: 0.9 }]).shouldHold(0), false);
});

test('a load that never ends still lets one batch through every maxHoldMs', () => {
  const g = gate([BUSY], 1000);
  const released: number[] = [];
  for (let now = 0; now <= 3500; now += 100) if (!g.shouldHold(now)) released.push(now);
  assert.deepEqual(released, [1000, 2100, 3200]);
  assert.equal(g.holds, 4);
});

test('samples are taken at most every sampleMs; the hold ends as soon as the load eases', () => {
  let taken = 0;
  const samples = [BUSY, BUSY, { loopUtilization: 0.1, cpuIdle: 0.6 }];
  const g = new LoadGate({ sampleMs: 100, maxHoldMs: 10_000, sample: () => samples[Math.min(taken++, 2)]! });
  assert.equal(g.shouldHold(0), true);
  assert.equal(g.shouldHold(50), true);
  assert.equal(taken, 1);
  assert.equal(g.shouldHold(100), true);
  assert.equal(g.shouldHold(200), false);
  assert.equal(taken, 3);
  assert.equal(g.heldMs, 200);
});

test('the real sampler reports shares between 0 and 1, and sees a busy loop as busy', () => {
  const sample = loadSampler();
  const until = Date.now() + 60;
  while (Date.now() < until) {
    /* keep this event loop busy */
  }
  const s = sample();
  assert.ok(s.loopUtilization > 0.5 && s.loopUtilization <= 1, `utilization ${s.loopUtilization}`);
  assert.ok(s.cpuIdle >= 0 && s.cpuIdle <= 1, `idle ${s.cpuIdle}`);
});
