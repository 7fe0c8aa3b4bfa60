import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compartmentState } from '../src/domain/compartment-state.js';
import { lockerTopic, parseLockerTopic, parsePresence } from '../src/domain/topics.js';

const base = { doorOpen: false, fault: null, occupied: false, reserved: false };

test('compartment state follows the precedence open > fault > occupied > reserved > available', () => {
  assert.equal(compartmentState(base), 'AVAILABLE');
  assert.equal(compartmentState({ ...base, reserved: true }), 'RESERVED');
  assert.equal(compartmentState({ ...base, reserved: true, occupied: true }), 'OCCUPIED');
  assert.equal(compartmentState({ ...base, occupied: true, fault: 'jammed' }), 'FAULT');
  assert.equal(compartmentState({ ...base, occupied: true, fault: 'jammed', doorOpen: true }), 'OPEN');
});

test('locker topics parse back into locker id and kind; foreign topics do not', () => {
  assert.deepEqual(parseLockerTopic(lockerTopic('L1', 'presence')), { lockerId: 'L1', kind: 'presence' });
  assert.equal(parseLockerTopic('hubgraph/lockers/L1/presence/extra'), null);
  assert.equal(parseLockerTopic('other/L1/presence'), null);
});

test('presence accepts JSON strings and bare words, nothing else', () => {
  assert.equal(parsePresence('"online"'), true);
  assert.equal(parsePresence('offline'), false);
  assert.equal(parsePresence('{"online":true}'), null);
  assert.equal(parsePresence(''), null);
});
