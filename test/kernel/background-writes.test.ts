// Files the daemon's main thread rewrites every few seconds (status, counter snapshots) go
// through the thread pool: writeFileAtomicAsync replaces the file whole, keeps an existing
// file's mode, leaves no temporary file when it fails; a meter's shutdown snapshot is never
// replaced by an older one still being written in the background.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as AtomicWrite from '../../hypaware-core/src/util/atomic-write.js';
import type * as Meter from '../../hypaware-core/src/telemetry/meter.js';
import { kernelModule } from '../daemon/daemon-fixtures.js';
import { tempDir } from '../../harness/repo.js';
import { waitFor } from '../../harness/wait.js';

const { writeFileAtomicAsync } = await kernelModule<typeof AtomicWrite>('util/atomic-write.js');
const { MeterRegistry } = await kernelModule<typeof Meter>('telemetry/meter.js');

test('writeFileAtomicAsync writes the whole content, keeps the mode, cleans up after a failure', async () => {
  const dir = tempDir('hyp-atomic-async-');
  const path = join(dir, 'sub', 'status.json');
  await writeFileAtomicAsync(path, '{"a":1}\n', { durable: false });
  assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n');
  assert.equal(statSync(path).mode & 0o777, 0o600, 'a new file is owner-only');

  chmodSync(path, 0o640);
  await writeFileAtomicAsync(path, new TextEncoder().encode('{"a":2}\n'));
  assert.equal(readFileSync(path, 'utf8'), '{"a":2}\n');
  assert.equal(statSync(path).mode & 0o777, 0o640, 'an existing file keeps its mode');

  // the target is a folder: the rename fails, the error reaches the caller, no temp file is left
  const blocked = join(dir, 'blocked');
  mkdirSync(blocked);
  writeFileSync(join(blocked, 'inside'), 'x');
  await assert.rejects(writeFileAtomicAsync(blocked, 'nope'));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test("a meter's shutdown snapshot is not replaced by an older background snapshot", async (t) => {
  const dir = tempDir('hyp-meter-');
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const registry = new MeterRegistry(dir, 'main');
  const counter = registry.meter({ plugin: 'p' }).counter('c');
  const file = join(dir, 'main.json');
  const value = () =>
    (JSON.parse(readFileSync(file, 'utf8')) as { counters: Array<{ value: number }> }).counters[0]!.value;
  counter.add(1);
  // the timed snapshot starts its background write (value 1) ...
  t.mock.timers.tick(2000);
  // ... and before it lands, more counts and a shutdown persist on this thread (value 6)
  for (let i = 0; i < 5; i++) counter.add(1);
  registry.persist();
  assert.equal(value(), 6);
  t.mock.timers.reset();
  // the background write lands after the persist: the file must end with the persisted counts
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(value(), 6, 'the last persist is what the file holds');
});

test('a meter of the same process resumes from its snapshot (a writer thread started again)', () => {
  const dir = tempDir('hyp-meter-resume-');
  const first = new MeterRegistry(dir, 'writer');
  first.meter({ plugin: 'p' }).counter('rows').add(7);
  first.persist();
  const second = new MeterRegistry(dir, 'writer');
  second.meter({ plugin: 'p' }).counter('rows').add(3);
  assert.equal(second.total('rows'), 10);
  // a snapshot another process wrote (an earlier daemon) is not resumed
  const other = JSON.parse(readFileSync(join(dir, 'writer.json'), 'utf8')) as { pid: number };
  writeFileSync(join(dir, 'writer.json'), JSON.stringify({ ...other, pid: process.pid + 1 }));
  assert.equal(new MeterRegistry(dir, 'writer').total('rows'), 0);
});
