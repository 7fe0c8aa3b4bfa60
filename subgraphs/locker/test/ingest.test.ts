import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../lib/testing/index.js';
import type { LockerReport } from '../src/domain/reports.js';
import { ReportIngest } from '../src/services/ingest.js';

const state = (lockerId: string, ts: number) => ({
  kind: 'state' as const,
  lockerId,
  ts,
  compartments: [{ index: 1, doorOpen: ts % 2 === 0, occupied: false, fault: null }],
});

test('reports of one locker that arrive during a write are coalesced into the next one, in order', async () => {
  const batches: LockerReport[][] = [];
  let release!: () => void;
  const ingest = new ReportIngest(
    async (reports) => {
      batches.push(reports);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    },
    silentLogger,
    { concurrency: 1, lingerMs: 0 },
  );
  const first = ingest.submit(state('A', 1));
  const later = [2, 3, 4].map((ts) => ingest.submit(state('A', ts)));
  const other = ingest.submit(state('B', 1));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(batches.length, 1, 'one write in flight');
  release();
  await Promise.all([first, ...later, other]);
  assert.equal(batches.length, 2, 'the three later reports of A and the one of B: one more write');
  assert.deepEqual(
    batches[1]!.map((r) => r.lockerId),
    ['A', 'B'],
  );
  assert.deepEqual(
    batches[1]![0]!.compartments.get(1)!.map((r) => r.ts),
    [4],
    'full snapshots: only the newest is left',
  );
  await ingest.drained();
});

test('a locker is never in two concurrent writes; failures reject its waiters after the retries', async () => {
  const writing = new Set<string>();
  let overlaps = 0;
  let attempts = 0;
  const ingest = new ReportIngest(
    async (reports) => {
      attempts++;
      for (const r of reports) {
        if (writing.has(r.lockerId)) overlaps++;
        writing.add(r.lockerId);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const r of reports) writing.delete(r.lockerId);
      if (reports.some((r) => r.lockerId === 'X')) throw new Error('database down');
    },
    silentLogger,
    { concurrency: 2, attempts: 2 },
  );
  const writes = [];
  for (let ts = 1; ts <= 20; ts++) {
    writes.push(ingest.submit(state('A', ts)), ingest.submit(state(`B${ts % 3}`, ts)));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(writes);
  assert.equal(overlaps, 0);
  const before = attempts;
  await assert.rejects(ingest.submit(state('X', 1)), /database down/);
  assert.equal(attempts - before, 2);
  await ingest.drained();
  assert.equal(ingest.backlog, 0);
});

test('an event and the state right after it are written as one change', async () => {
  const batches: LockerReport[][] = [];
  const ingest = new ReportIngest(async (reports) => void batches.push(reports), silentLogger, { lingerMs: 20 });
  const event = ingest.submit({ kind: 'event', lockerId: 'A', type: 'DOOR_OPENED', index: 1, ts: 1 });
  await new Promise((resolve) => setTimeout(resolve, 2));
  await Promise.all([event, ingest.submit(state('A', 2))]);
  assert.equal(batches.length, 1);
  assert.deepEqual(
    batches[0]![0]!.compartments.get(1)!.map((r) => r.ts),
    [2],
    'the full state after the event makes it moot',
  );
});
