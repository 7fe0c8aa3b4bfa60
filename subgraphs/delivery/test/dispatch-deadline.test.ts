/**
 * The dispatch deadline in working time (Mon–Fri 09:00–18:00 Asia/Seoul), across weekends, after hours and the
 * UTC/Seoul date line, and the requested arrival read from a request note.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addWorkingSeconds,
  dispatchDeadline,
  formatDuration,
  formatSeoul,
  parseRequestedArrival,
  subtractWorkingSeconds,
} from '../src/domain/dispatch-deadline.js';

/** An instant given as Seoul wall-clock time. */
const kst = (local: string) => new Date(`${local}+09:00`);
const HOUR = 3600;
// 2026-11-23 is a Monday; 2026-11-27 a Friday.

describe('working time', () => {
  test('adds within one working day', () => {
    assert.deepEqual(addWorkingSeconds(kst('2026-11-23T10:00'), 3 * HOUR), kst('2026-11-23T13:00'));
  });

  test('ends at 18:00 rather than rolling over when the ETA fills the day exactly', () => {
    assert.deepEqual(addWorkingSeconds(kst('2026-11-23T15:00'), 3 * HOUR), kst('2026-11-23T18:00'));
  });

  test('carries over the weekend: Friday 17:00 + 3 h = Monday 11:00', () => {
    assert.deepEqual(addWorkingSeconds(kst('2026-11-27T17:00'), 3 * HOUR), kst('2026-11-30T11:00'));
  });

  test('starts at the next opening after hours, before hours and at weekends', () => {
    assert.deepEqual(addWorkingSeconds(kst('2026-11-23T20:00'), 1800), kst('2026-11-24T09:30'));
    assert.deepEqual(addWorkingSeconds(kst('2026-11-24T07:00'), 2 * HOUR), kst('2026-11-24T11:00'));
    assert.deepEqual(addWorkingSeconds(kst('2026-11-21T12:00'), HOUR), kst('2026-11-23T10:00'));
  });

  test('uses the Seoul weekday, not the UTC one: Sunday 23:30 UTC is Monday 08:30 in Seoul', () => {
    const sundayUtc = new Date('2026-11-22T23:30:00Z');
    assert.equal(sundayUtc.getUTCDay(), 0);
    assert.deepEqual(addWorkingSeconds(sundayUtc, HOUR), kst('2026-11-23T10:00'));
    // Friday 18:30 in Seoul is still Friday 09:30 UTC, but after hours: Monday.
    assert.deepEqual(addWorkingSeconds(new Date('2026-11-27T09:30:00Z'), HOUR), kst('2026-11-30T10:00'));
  });

  test('a long ETA spans several working days', () => {
    assert.deepEqual(addWorkingSeconds(kst('2026-11-23T09:00'), 20 * HOUR), kst('2026-11-25T11:00'));
  });

  test('subtracts backwards over a weekend: Monday 10:00 − 3 h = Friday 16:00', () => {
    assert.deepEqual(subtractWorkingSeconds(kst('2026-11-30T10:00'), 3 * HOUR), kst('2026-11-27T16:00'));
    assert.deepEqual(subtractWorkingSeconds(kst('2026-11-25T20:00'), 2 * HOUR), kst('2026-11-25T16:00'));
  });
});

describe('dispatchDeadline', () => {
  test('without a requested arrival: the order time plus the ETA', () => {
    assert.deepEqual(
      dispatchDeadline({ orderedAt: kst('2026-11-27T17:00'), etaSeconds: 3 * HOUR, requestedArrival: null }),
      { deadline: kst('2026-11-30T11:00'), basis: 'ORDER_TIME', meetsRequest: null },
    );
  });

  test('with a requested arrival: that time minus the ETA', () => {
    assert.deepEqual(
      dispatchDeadline({
        orderedAt: kst('2026-11-23T10:00'),
        etaSeconds: 4 * HOUR,
        requestedArrival: kst('2026-11-25T15:00'),
      }),
      { deadline: kst('2026-11-25T11:00'), basis: 'REQUESTED_ARRIVAL', meetsRequest: true },
    );
  });

  test('a request that can no longer be met: dispatch at the first working moment, and say so', () => {
    assert.deepEqual(
      dispatchDeadline({
        orderedAt: kst('2026-11-25T14:00'),
        etaSeconds: 3 * HOUR,
        requestedArrival: kst('2026-11-25T15:00'),
      }),
      { deadline: kst('2026-11-25T14:00'), basis: 'REQUESTED_ARRIVAL', meetsRequest: false },
    );
    assert.deepEqual(
      dispatchDeadline({
        orderedAt: kst('2026-11-28T12:00'),
        etaSeconds: 3 * HOUR,
        requestedArrival: kst('2026-11-30T10:00'),
      }).deadline,
      kst('2026-11-30T09:00'),
      'ordered on a Saturday: Monday at opening',
    );
  });

  test('the ETA is seconds: 5,400 s is an hour and a half, not 5,400 minutes', () => {
    const { deadline } = dispatchDeadline({
      orderedAt: kst('2026-11-23T10:00'),
      etaSeconds: 5400,
      requestedArrival: null,
    });
    assert.deepEqual(deadline, kst('2026-11-23T11:30'));
  });
});

describe('parseRequestedArrival', () => {
  const monday = kst('2026-11-23T10:00');

  test('Korean month-day forms, the afternoon read where a business means it', () => {
    assert.deepEqual(parseRequestedArrival('12월 12일 3시까지 도착 보장', monday), kst('2026-12-12T15:00'));
    assert.deepEqual(parseRequestedArrival('12월 1일 오후 2시 30분 도착', monday), kst('2026-12-01T14:30'));
    assert.deepEqual(parseRequestedArrival('12월 1일 4시 반', monday), kst('2026-12-01T16:30'));
    assert.deepEqual(parseRequestedArrival('2026년 12월 1일 오전 11시', monday), kst('2026-12-01T11:00'));
  });

  test('a date without a year is the next such date, counted in Seoul', () => {
    assert.deepEqual(parseRequestedArrival('1월 5일 오전 11시', monday), kst('2027-01-05T11:00'));
    // 23:00 UTC on 31 December is already 1 January in Seoul.
    assert.deepEqual(parseRequestedArrival('1월 1일 15시', new Date('2026-12-31T23:00:00Z')), kst('2027-01-01T15:00'));
  });

  test('ISO-like dates and times; a zone is honoured, none means Seoul; a date alone means 18:00', () => {
    assert.deepEqual(parseRequestedArrival('arrive by 2026-12-01 10:30 please', monday), kst('2026-12-01T10:30'));
    assert.deepEqual(parseRequestedArrival('2026-12-01T10:30:00Z', monday), new Date('2026-12-01T10:30:00Z'));
    assert.deepEqual(parseRequestedArrival('2026-12-01T10:30-05:00', monday), new Date('2026-12-01T15:30:00Z'));
    assert.deepEqual(parseRequestedArrival('2026.12.01', monday), kst('2026-12-01T18:00'));
    assert.deepEqual(parseRequestedArrival('2026/12/01 15시', monday), kst('2026-12-01T15:00'));
  });

  test('no date, or an impossible one, is no request', () => {
    for (const note of [null, '', 'leave it at the door', '2026-02-30 10:00', '13월 1일', '2026-12-01 25:00']) {
      assert.equal(parseRequestedArrival(note, monday), null, String(note));
    }
  });
});

describe('formatting for people', () => {
  test('deadlines as yyyy-MM-dd HH:mm in Seoul; durations in hours and minutes', () => {
    assert.equal(formatSeoul(new Date('2026-11-22T23:30:00Z')), '2026-11-23 08:30');
    assert.equal(formatDuration(3 * HOUR + 300), '3 h 05 min');
    assert.equal(formatDuration(1800), '30 min');
  });
});
