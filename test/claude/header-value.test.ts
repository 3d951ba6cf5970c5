/** Header lookup for the Claude adapter: case-insensitive, first non-empty value, lowercase spelling first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerValue } from '@hypaware/claude/wire/headers';

test('a lowercased view is read by lookup, values trimmed', () => {
  assert.equal(headerValue({ 'x-claude-code-session-id': '  s-1 ' }, 'X-Claude-Code-Session-Id'), 's-1');
  assert.equal(headerValue({ 'x-other': 'v' }, 'x-claude-code-session-id'), undefined);
  assert.equal(headerValue(null, 'x-a'), undefined);
});

test('another spelling is found when the lowercase one is absent or empty', () => {
  assert.equal(headerValue({ 'X-Api-Key': 'k' }, 'x-api-key'), 'k');
  assert.equal(headerValue({ 'x-api-key': '  ', 'X-API-KEY': 'k2' }, 'x-api-key'), 'k2');
});

test('with two spellings both set, the lowercase one wins, wherever it sits', () => {
  assert.equal(headerValue({ 'X-Api-Key': 'mixed', 'x-api-key': 'lower' }, 'X-API-KEY'), 'lower');
  assert.equal(headerValue({ 'x-api-key': 'lower', 'X-Api-Key': 'mixed' }, 'x-api-key'), 'lower');
});

test('a repeated header gives its first non-empty value', () => {
  assert.equal(headerValue({ 'anthropic-beta': ['', ' a,b ', 'c'] }, 'anthropic-beta'), 'a,b');
  assert.equal(headerValue({ 'anthropic-beta': ['', ' '] }, 'anthropic-beta'), undefined);
});
