import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactQuerySecrets } from '@hypaware/ai-gateway/internal/privacy/query-redaction.js';
import { ignoredRoot, isUnder } from '@hypaware/ai-gateway/internal/privacy/ignore-list.js';

test('query secrets are redacted by name (any case, as a name suffix) and by value; the rest stays byte for byte', () => {
  const cases: Array<[string, string]> = [
    ['/v1/messages', '/v1/messages'],
    ['/v1/messages?beta=true', '/v1/messages?beta=true'],
    ['/v1/models?key=AIzaSyA-secret&alt=sse', '/v1/models?key=[redacted]&alt=sse'],
    ['/x?API_KEY=abc&Api-Key=def&apikey=ghi', '/x?API_KEY=[redacted]&Api-Key=[redacted]&apikey=[redacted]'],
    [
      '/x?access_token=t1&refresh_token=t2&token=t3',
      '/x?access_token=[redacted]&refresh_token=[redacted]&token=[redacted]',
    ],
    ['/x?sig=s&signature=s2&X-Amz-Signature=s3', '/x?sig=[redacted]&signature=[redacted]&X-Amz-Signature=[redacted]'],
    [
      '/x?X-Amz-Credential=AKIA%2F20260101&X-Amz-Security-Token=zz',
      '/x?X-Amz-Credential=[redacted]&X-Amz-Security-Token=[redacted]',
    ],
    ['/x?client_secret=a&password=b&code=c', '/x?client_secret=[redacted]&password=[redacted]&code=[redacted]'],
    ['/x?subscription-key=k&api-version=2024-10-01', '/x?subscription-key=[redacted]&api-version=2024-10-01'],
    ['/x?q=sk-proj-abcdefghijklmnopqrstuv', '/x?q=[redacted]'],
    ['/x?jwt=eyJhbGciOi.eyJzdWIiOi.sig', '/x?jwt=[redacted]'],
    ['/x?keyboard=1&monkey=2&token', '/x?keyboard=1&monkey=2&token'],
    ['/x?a=%E2%9C%93&key=&b=2', '/x?a=%E2%9C%93&key=&b=2'],
    ['/x?%6Bey=v', '/x?%6Bey=[redacted]'],
    ['/x?key=v#frag', '/x?key=[redacted]#frag'],
  ];
  for (const [input, want] of cases) assert.equal(redactQuerySecrets(input), want, input);
});

test('a folder is under an ignored one by path segments, not by string prefix', () => {
  assert.equal(isUnder('/home/u/secret', '/home/u/secret'), true);
  assert.equal(isUnder('/home/u/secret/app/src', '/home/u/secret'), true);
  assert.equal(isUnder('/home/u/secretive', '/home/u/secret'), false);
  assert.equal(isUnder('/home/u', '/home/u/secret'), false);
  assert.equal(isUnder('/anything', '/'), true);
  assert.equal(ignoredRoot('/home/u/secret/', ['/srv', '/home/u/secret']), '/home/u/secret');
  assert.equal(ignoredRoot(null, ['/']), undefined, 'no cwd: not decided by the folder');
});
