import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePresence } from '../src/mqtt/presence.js';
import { lockerTopic, parseLockerTopic } from '../src/mqtt/topics.js';

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
