import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from '../src/services/passwords.js';

test('passwords are stored as salted scrypt hashes that verify only the right password', async () => {
  const a = await hashPassword('hubgraph-demo');
  const b = await hashPassword('hubgraph-demo');
  assert.match(a, /^scrypt\$32768\$8\$1\$/);
  assert.ok(!a.includes('hubgraph-demo'));
  assert.notEqual(a, b, 'each hash has its own salt');
  assert.equal(await verifyPassword('hubgraph-demo', a), true);
  assert.equal(await verifyPassword('hubgraph-demO', a), false);
  assert.equal(await verifyPassword('hubgraph-demo', 'bcrypt$whatever'), false);
});
