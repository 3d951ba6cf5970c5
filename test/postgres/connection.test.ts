// Where the password comes from: the password file (read at each connection, so a fixed file
// works without a restart), else PGPASSWORD, else nothing (node-postgres then reads ~/.pgpass).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@hypaware/postgres/config';
import { clientConfig } from '@hypaware/postgres/connection';
import { tempDir } from '../../harness/repo.js';

const URL = 'postgres://alice@db.example.com:6543/team?sslmode=require';

test('password sources, in order: password_file, PGPASSWORD, none (~/.pgpass)', () => {
  const dir = tempDir('hyp-pgpw-');
  const file = join(dir, 'pw');
  writeFileSync(file, 'from-the-file\n');
  const withFile = clientConfig(parseConfig({ url: URL, password_file: file }, {})!, { PGPASSWORD: 'env' }, 'x');
  const read = withFile.password as () => string;
  assert.equal(read(), 'from-the-file');
  writeFileSync(file, 'fixed\n');
  assert.equal(read(), 'fixed', 'read again at each connection');
  writeFileSync(file, '\n');
  assert.throws(read, /password_file .* is empty/);
  const fromEnv = clientConfig(parseConfig({ url: URL }, {})!, { PGPASSWORD: 'from-env' }, 'x');
  assert.equal(fromEnv.password, 'from-env');
  const none = clientConfig(parseConfig({ url: URL }, {})!, {}, 'x');
  assert.ok(!('password' in none), 'no password given: the driver reads ~/.pgpass');
  assert.deepEqual(
    [none.host, none.port, none.user, none.database, none.ssl],
    ['db.example.com', 6543, 'alice', 'team', { rejectUnauthorized: false }],
  );
});

test('tls: verify-full checks the certificate with the given CA; ~ in paths is the home', () => {
  const home = tempDir('hyp-pgtls-');
  writeFileSync(join(home, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const config = parseConfig(
    { url: 'postgres://a@h/db', tls: { mode: 'verify-full', ca_file: '~/ca.pem' } },
    { HOME: home },
  )!;
  const ssl = clientConfig(config, {}, 'x').ssl as { rejectUnauthorized: boolean; ca: string };
  assert.equal(ssl.rejectUnauthorized, true);
  assert.match(ssl.ca, /BEGIN CERTIFICATE/);
  assert.equal(clientConfig(parseConfig({ url: 'postgres://a@h/db' }, {})!, {}, 'x').ssl, false);
});
