import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compartmentState } from '../src/domain/compartment-state.js';

const base = { doorOpen: false, fault: null, occupied: false, reserved: false };

test('compartment state follows the precedence open > fault > occupied > reserved > available', () => {
  assert.equal(compartmentState(base), 'AVAILABLE');
  assert.equal(compartmentState({ ...base, reserved: true }), 'RESERVED');
  assert.equal(compartmentState({ ...base, reserved: true, occupied: true }), 'OCCUPIED');
  assert.equal(compartmentState({ ...base, occupied: true, fault: 'jammed' }), 'FAULT');
  assert.equal(compartmentState({ ...base, occupied: true, fault: 'jammed', doorOpen: true }), 'OPEN');
});
