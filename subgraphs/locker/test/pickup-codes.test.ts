import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPin, PickupCodes } from '../src/services/pickup-codes.js';

const codes = new PickupCodes('a-test-secret-of-at-least-32-characters!');

test('PINs are six digits, hashed per locker with the secret', () => {
  const pin = codes.newPin();
  assert.ok(isPin(pin));
  assert.notEqual(codes.pinHash('L1', pin), codes.pinHash('L2', pin));
  assert.notEqual(
    codes.pinHash('L1', pin),
    new PickupCodes('another-secret-of-at-least-32-characters').pinHash('L1', pin),
  );
  assert.equal(isPin('12345'), false);
  assert.equal(isPin('1234567'), false);
});

test('QR tokens are signed: a forged or altered one names no credential', () => {
  const token = codes.newQrToken('cred-1');
  assert.equal(codes.verifyQrToken(token), 'cred-1');
  assert.equal(codes.verifyQrToken(token.replace('cred-1', 'cred-2')), null);
  assert.equal(codes.verifyQrToken(`${token}x`), null);
  assert.equal(new PickupCodes('another-secret-of-at-least-32-characters').verifyQrToken(token), null);
  assert.equal(codes.verifyQrToken('hgqr.a.b'), null);
});

test('sealed codes open only with the secret', () => {
  const sealed = codes.seal({ pin: '012345', qrToken: 'hgqr.x.y.z' });
  assert.ok(!sealed.includes('012345'));
  assert.deepEqual(codes.unseal(sealed), { pin: '012345', qrToken: 'hgqr.x.y.z' });
  assert.throws(() => new PickupCodes('another-secret-of-at-least-32-characters').unseal(sealed));
});
