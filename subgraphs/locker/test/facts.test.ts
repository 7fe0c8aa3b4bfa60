import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyReports, checkReportTime, queueReport, MAX_CLOCK_SKEW_MS, type FactReport } from '../src/domain/facts.js';
import { addToLockerReport, checkReport, emptyLockerReport } from '../src/domain/reports.js';
import { depositApplies, releaseApplies } from '../src/domain/reservations.js';

const held = { doorOpen: false, occupied: false, fault: null };
const full = (ts: number, doorOpen = false): FactReport => ({ facts: { doorOpen, occupied: false, fault: null }, ts });

test('the newest report per compartment wins; older ones and repeats change nothing', () => {
  const opened = applyReports(held, 100, [{ facts: { doorOpen: true }, ts: 200 }]);
  assert.deepEqual(opened, { facts: { ...held, doorOpen: true }, observedAt: 200, changed: true });
  assert.deepEqual(
    applyReports(opened.facts, 200, [{ facts: { doorOpen: true }, ts: 200 }]).changed,
    false,
    'a repeat',
  );
  assert.deepEqual(applyReports(opened.facts, 200, [full(150)]), {
    facts: opened.facts,
    observedAt: 200,
    changed: false,
  });
  // Two reports in one batch apply in ts order.
  const both = applyReports(held, null, [
    { facts: { occupied: true }, ts: 1 },
    { facts: { doorOpen: true }, ts: 2 },
  ]);
  assert.deepEqual(both.facts, { doorOpen: true, occupied: true, fault: null });
});

test('queued reports stay in ts order; a full snapshot makes older ones moot', () => {
  let queue = queueReport([], { facts: { doorOpen: true }, ts: 5 });
  queue = queueReport(queue, { facts: { occupied: true }, ts: 3 });
  assert.deepEqual(
    queue.map((r) => r.ts),
    [3, 5],
  );
  assert.deepEqual(queueReport(queue, full(6)), [full(6)]);
  assert.equal(queueReport(queue, full(4)).length, 3, 'an older snapshot does not drop newer events');
});

test('a report is checked against its locker: known compartments, once each, a plausible time', () => {
  const now = Date.now();
  const indexes = new Set([1, 2]);
  const state = (compartments: number[], ts = now) => ({
    kind: 'state' as const,
    lockerId: 'L',
    ts,
    compartments: compartments.map((index) => ({ index, ...held })),
  });
  checkReport(state([1, 2]), indexes, now);
  assert.throws(() => checkReport(state([1, 3]), indexes, now), { details: { field: 'compartments' } });
  assert.throws(() => checkReport(state([1, 1]), indexes, now), { details: { field: 'compartments' } });
  assert.throws(() => checkReport(state([2]), indexes, now), { details: { field: 'compartments' } }, 'a full snapshot');
  assert.throws(() => checkReport(state([1], now + MAX_CLOCK_SKEW_MS + 1), indexes, now), { details: { field: 'ts' } });
  assert.throws(() => checkReportTime(1.5, now), { details: { field: 'ts' } });
  assert.throws(() => checkReportTime(1000, now), { details: { field: 'ts' } });
});

test('a pending locker report gathers presence, facts per compartment and deposits', () => {
  const report = emptyLockerReport('L');
  addToLockerReport(report, { kind: 'presence', lockerId: 'L', online: true });
  addToLockerReport(report, { kind: 'event', lockerId: 'L', type: 'DEPOSITED', index: 2, ts: 10 });
  addToLockerReport(report, { kind: 'event', lockerId: 'L', type: 'FAULT', index: 1, ts: 11 });
  assert.equal(report.online, true);
  assert.deepEqual(report.compartments.get(2), [{ facts: { doorOpen: false, occupied: true }, ts: 10 }]);
  assert.deepEqual(report.compartments.get(1), [{ facts: { fault: 'FAULT' }, ts: 11 }]);
  assert.deepEqual(report.deposits, [{ index: 2, ts: 10 }]);
});

test('a deposit completes only an ACTIVE reservation made before it; a room closing keeps a waiting parcel', () => {
  const createdAt = new Date(1000);
  assert.equal(depositApplies({ status: 'ACTIVE', createdAt }, 1000), true);
  assert.equal(depositApplies({ status: 'ACTIVE', createdAt }, 999), false, 'a late duplicate of an earlier parcel');
  assert.equal(depositApplies({ status: 'DEPOSITED', createdAt }, 2000), false);
  assert.equal(releaseApplies('DEPOSITED', 'ROOM_CLOSED'), false);
  assert.equal(releaseApplies('DEPOSITED', 'EXPIRED'), true);
  assert.equal(releaseApplies('ACTIVE', 'ROOM_CLOSED'), true);
});
