import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../../lib/errors/index.js';
import { assertScopeFits, assertValidPassword, assertValidUsername } from '../src/domain/credentials.js';

const rejectsWith = (fn: () => void, field: string) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof DomainError && e.code === 'BAD_USER_INPUT' && e.details?.field === field,
  );

test('usernames: 4–20 lowercase letters, digits or _, starting with a letter', () => {
  for (const ok of ['member', 'hub_manager', 'driver01', 'abcd']) assertValidUsername(ok);
  for (const bad of ['abc', 'Admin', '1user', 'a'.repeat(21), 'user name', 'user-1', ''])
    rejectsWith(() => assertValidUsername(bad), 'username');
});

test('passwords: 10–128 characters mixing two of letters, digits, symbols; the message names the rule', () => {
  for (const ok of ['hubgraph-demo', 'abcdefghi1', '1234567890!']) assertValidPassword(ok);
  for (const bad of ['short-1', 'onlyletterslong', '12345678901', 'x1'.repeat(65)])
    rejectsWith(() => assertValidPassword(bad), 'password');
  assert.throws(() => assertValidPassword('abc'), /10–128 characters/);
});

test('hub roles need a hub and firm managers a firm', () => {
  rejectsWith(() => assertScopeFits('HUB_MANAGER', { hubId: null, firmId: null }), 'hubId');
  rejectsWith(() => assertScopeFits('DELIVERY_MANAGER', { hubId: null, firmId: 'f' }), 'hubId');
  rejectsWith(() => assertScopeFits('FIRM_MANAGER', { hubId: 'h', firmId: null }), 'firmId');
  assertScopeFits('MEMBER', { hubId: null, firmId: null });
  assertScopeFits('HUB_MANAGER', { hubId: 'h', firmId: null });
});
