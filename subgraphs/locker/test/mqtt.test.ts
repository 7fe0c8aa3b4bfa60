import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { badInput, notFound } from '../../../lib/errors/index.js';
import { silentLogger } from '../../../lib/testing/index.js';
import type { DeviceReport } from '../src/domain/reports.js';
import { BridgeStats, deviceMessageHandler } from '../src/mqtt/bridge.js';
import { encodeCommand } from '../src/mqtt/commands.js';
import { parsePresence } from '../src/mqtt/presence.js';
import { lockerTopic, parseLockerTopic } from '../src/mqtt/topics.js';
import { MAX_PAYLOAD_BYTES } from '../src/mqtt/wire.js';
import type { AckOutcome } from '../src/services/commands.service.js';

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

test('a command on the wire carries what the protocol lists and nothing else', () => {
  const command = { commandId: randomUUID(), type: 'OPEN' as const, compartment: 2, expiresAt: 1 };
  assert.deepEqual(JSON.parse(encodeCommand({ ...command, pin: '123456' } as typeof command)), command);
});

/** The handler with fake services: what reaches them, and what is dropped for which reason. */
function harness(refuse?: (report: DeviceReport) => Error | undefined, ackOutcome: AckOutcome = 'settled') {
  const reports: DeviceReport[] = [];
  const acks: unknown[] = [];
  const stats = new BridgeStats(silentLogger);
  const handle = deviceMessageHandler(
    {
      report: async (report) => {
        const err = refuse?.(report);
        if (err) throw err;
        reports.push(report);
      },
      acknowledge: async (_lockerId, ack) => {
        acks.push(ack);
        return ackOutcome;
      },
    },
    stats,
  );
  const send = async (topic: string, payload: string | Buffer) => {
    handle(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload));
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { reports, acks, stats, send };
}

test('device messages become reports in arrival order; unknown fields are ignored', async () => {
  const h = harness();
  const L = randomUUID();
  await h.send(lockerTopic(L, 'presence'), '"online"');
  await h.send(
    lockerTopic(L, 'state'),
    JSON.stringify({ compartments: [{ index: 1, door: 'OPEN', occupied: true, fault: null, extra: 1 }], ts: 5 }),
  );
  await h.send(lockerTopic(L, 'events'), JSON.stringify({ type: 'FAULT', compartment: 1, ts: 6, fault: 'JAM' }));
  assert.deepEqual(h.reports, [
    { kind: 'presence', lockerId: L, online: true },
    { kind: 'state', lockerId: L, ts: 5, compartments: [{ index: 1, doorOpen: true, occupied: true, fault: null }] },
    { kind: 'event', lockerId: L, type: 'FAULT', index: 1, ts: 6, fault: 'JAM' },
  ]);
});

test('bad input is dropped with its reason, and never reaches the services', async () => {
  const h = harness((report) =>
    report.lockerId === 'unknown'
      ? notFound('Locker', 'unknown')
      : report.kind === 'event' && report.index === 9
        ? badInput('no compartment 9', 'compartment')
        : report.kind === 'event' && report.ts === 0
          ? badInput('bad time', 'ts')
          : undefined,
  );
  await h.send(lockerTopic('L', 'state'), '{nope');
  await h.send(lockerTopic('L', 'state'), Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20));
  await h.send(lockerTopic('L', 'events'), JSON.stringify({ type: 'DOOR_OPENED', compartment: -1, ts: 1 }));
  await h.send(lockerTopic('unknown', 'events'), JSON.stringify({ type: 'DOOR_OPENED', compartment: 1, ts: 1 }));
  await h.send(lockerTopic('L', 'events'), JSON.stringify({ type: 'DOOR_OPENED', compartment: 9, ts: 1 }));
  await h.send(lockerTopic('L', 'events'), JSON.stringify({ type: 'DOOR_OPENED', compartment: 1, ts: 0 }));
  await h.send(lockerTopic('L', 'commands'), '{}');
  await h.send('hubgraph/other', '{}');
  assert.deepEqual(h.reports, []);
  assert.deepEqual(h.stats.dropped, {
    malformed: 2,
    oversized: 1,
    unknown_locker: 1,
    out_of_range: 1,
    bad_time: 1,
    foreign_topic: 2,
  });
});

test('acks that settle nothing are dropped as unknown, replayed or late', async () => {
  for (const [outcome, reason] of [
    ['unknown', 'unknown_command'],
    ['repeated', 'replayed_ack'],
    ['late', 'late_ack'],
  ] as const) {
    const h = harness(undefined, outcome);
    await h.send(lockerTopic('L', 'acks'), JSON.stringify({ commandId: randomUUID(), ok: false, error: 'JAM' }));
    assert.equal(h.acks.length, 1);
    assert.deepEqual(h.stats.dropped, { [reason]: 1 });
  }
});
