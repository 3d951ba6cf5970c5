import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SessionContexts } from '@hypaware/claude/session-context/session-contexts';
import { AppendedLines } from '@hypaware/claude/util/appended-lines';
import { tempDir } from '../../harness/repo.js';

const rec = (session: string, ts: string, cwd: string, extra: Record<string, string> = {}) =>
  JSON.stringify({ session_id: session, cwd, ts, ...extra }) + '\n';
const AT = (h: number) => Date.UTC(2026, 10, 24, h);
const ISO = (h: number) => new Date(AT(h)).toISOString();

describe('AppendedLines', () => {
  test('returns only new complete lines; a partial line waits for its newline', async () => {
    const file = join(tempDir('hyp-lines-'), 'f.jsonl');
    const reader = new AppendedLines(file);
    assert.deepEqual(await reader.read(), { lines: [], reset: false, missing: true });
    writeFileSync(file, 'a\nb\npart');
    assert.deepEqual(await reader.read(), { lines: ['a', 'b'], reset: false, missing: false });
    appendFileSync(file, 'ial\n\nc\n');
    assert.deepEqual(await reader.read(), { lines: ['partial', 'c'], reset: false, missing: false });
    assert.deepEqual(await reader.read(), { lines: [], reset: false, missing: false });
  });

  test('a replaced file (new inode) or a truncated one is read again from the start', async () => {
    const dir = tempDir('hyp-lines-');
    const file = join(dir, 'f.jsonl');
    const reader = new AppendedLines(file);
    writeFileSync(file, 'one\ntwo\n');
    await reader.read();
    writeFileSync(join(dir, 'tmp'), 'three\n');
    renameSync(join(dir, 'tmp'), file);
    assert.deepEqual(await reader.read(), { lines: ['three'], reset: true, missing: false });
    truncateSync(file, 0);
    appendFileSync(file, 'x\n');
    assert.deepEqual(await reader.read(), { lines: ['x'], reset: true, missing: false });
  });

  test('multi-byte characters split across reads stay intact', async () => {
    const file = join(tempDir('hyp-lines-'), 'f.jsonl');
    const reader = new AppendedLines(file);
    const text = Buffer.from('héllo wörld ✓\n');
    writeFileSync(file, text.subarray(0, 2));
    assert.deepEqual((await reader.read()).lines, []);
    appendFileSync(file, text.subarray(2));
    assert.deepEqual((await reader.read()).lines, ['héllo wörld ✓']);
  });
});

describe('SessionContexts', () => {
  test('picks up records appended later; cwd and branch as of the exchange time; transcript path from the main thread only', async () => {
    const file = join(tempDir('hyp-ctx-'), 'session-context.jsonl');
    const contexts = new SessionContexts(file);
    assert.equal(await contexts.get('s1', AT(9)), undefined);
    writeFileSync(file, rec('s1', ISO(8), '/a', { git_branch: 'main', transcript_path: '/t/s1.jsonl' }));
    assert.deepEqual(await contexts.get('s1', AT(9)), {
      transcript_path: '/t/s1.jsonl',
      cwd: '/a',
      git_branch: 'main',
    });
    appendFileSync(
      file,
      rec('s1', ISO(10), '/b', { git_branch: 'dev', transcript_path: '/t/agent.jsonl', agent_id: 'ag1' }) +
        'garbage\n' +
        rec('s2', ISO(10), '/z'),
    );
    assert.deepEqual(await contexts.get('s1', AT(9)), {
      transcript_path: '/t/s1.jsonl',
      cwd: '/a',
      git_branch: 'main',
    });
    assert.deepEqual(await contexts.get('s1', AT(11)), {
      transcript_path: '/t/s1.jsonl',
      cwd: '/b',
      git_branch: 'dev',
    });
    assert.deepEqual(
      await contexts.get('s1', AT(1)),
      { transcript_path: '/t/s1.jsonl', cwd: '/a', git_branch: 'main' },
      'before any record: the earliest place',
    );
    assert.deepEqual(await contexts.get('s2', AT(11)), { cwd: '/z' });
    appendFileSync(file, rec('s1', ISO(9), '/late-copy'));
    assert.deepEqual(
      await contexts.get('s1', AT(11)),
      { transcript_path: '/t/s1.jsonl', cwd: '/b', git_branch: 'dev' },
      'an older record arriving late does not become the current place',
    );
    assert.deepEqual(await contexts.get('s1', AT(9)), { transcript_path: '/t/s1.jsonl', cwd: '/late-copy' });
  });

  test('a compacted (replaced) state file is re-read; old sessions are forgotten past the bound', async () => {
    const dir = tempDir('hyp-ctx-');
    const file = join(dir, 'session-context.jsonl');
    const contexts = new SessionContexts(file, 2);
    writeFileSync(file, rec('s1', ISO(8), '/1') + rec('s2', ISO(8), '/2') + rec('s3', ISO(8), '/3'));
    assert.equal(await contexts.get('s1', AT(9)), undefined, 'bounded to the 2 most recent sessions');
    assert.deepEqual(await contexts.get('s3', AT(9)), { cwd: '/3' });
    writeFileSync(join(dir, 'compacted'), rec('s1', ISO(8), '/1-again'));
    renameSync(join(dir, 'compacted'), file);
    assert.deepEqual(await contexts.get('s1', AT(9)), { cwd: '/1-again' });
    assert.equal(await contexts.get('s3', AT(9)), undefined);
  });
});
