/** The leg state machines, their order along the route and the delivery status derived from them. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../../../lib/errors/index.js';
import {
  DELIVERY_STATUSES,
  OPEN_STATUSES,
  advanceTargets,
  assertAdvance,
  deliveryStatus,
  isDeparture,
  nextStatuses,
  type DeliveryStatus,
  type LegState,
} from '../src/domain/legs.js';

const hub = (sequence: number, status: DeliveryStatus): LegState => ({ sequence, kind: 'HUB', status });
const last = (sequence: number, status: DeliveryStatus): LegState => ({ sequence, kind: 'LAST_MILE', status });

describe('leg state machines', () => {
  test('each kind has its own path; cancellation from every unfinished status, nothing after the end', () => {
    assert.deepEqual(nextStatuses('HUB', 'WAITING_FOR_HUB'), ['MOVING_TO_HUB', 'DELIVERY_CANCELLED']);
    assert.deepEqual(nextStatuses('HUB', 'MOVING_TO_HUB'), ['ARRIVED_DESTINATION_HUB', 'DELIVERY_CANCELLED']);
    assert.deepEqual(nextStatuses('HUB', 'ARRIVED_DESTINATION_HUB'), [], 'a hub leg never goes beyond arrival');
    assert.deepEqual(nextStatuses('LAST_MILE', 'MOVING_TO_FIRM'), ['FIRM_DELIVERY_IN_PROGRESS', 'DELIVERY_CANCELLED']);
    assert.deepEqual(nextStatuses('LAST_MILE', 'FIRM_DELIVERY_IN_PROGRESS'), [
      'DELIVERY_COMPLETED',
      'DELIVERY_CANCELLED',
    ]);
    for (const kind of ['HUB', 'LAST_MILE'] as const) {
      assert.deepEqual(nextStatuses(kind, 'DELIVERY_CANCELLED'), []);
    }
    assert.deepEqual(nextStatuses('LAST_MILE', 'DELIVERY_COMPLETED'), []);
    assert.deepEqual(nextStatuses('LAST_MILE', 'WAITING_FOR_HUB'), [], 'a last mile never takes a hub-leg status');
    assert.deepEqual(nextStatuses('HUB', 'MOVING_TO_FIRM'), []);
  });

  test('open statuses are those a move can still leave', () => {
    assert.deepEqual(OPEN_STATUSES, [
      'WAITING_FOR_HUB',
      'MOVING_TO_HUB',
      'MOVING_TO_FIRM',
      'FIRM_DELIVERY_IN_PROGRESS',
    ]);
  });

  test('one spelling: FIRM_DELIVERY_IN_PROGRESS and CANCELLED with two Ls', () => {
    assert.ok(DELIVERY_STATUSES.includes('FIRM_DELIVERY_IN_PROGRESS'));
    assert.ok(!(DELIVERY_STATUSES as readonly string[]).includes('DELIVERY_IN_PROGRESS'));
    assert.ok(DELIVERY_STATUSES.every((s) => !s.includes('CANCELED')));
  });
});

describe('advancing in route order', () => {
  test('hub leg 2 leaves only after hub leg 1 arrived', () => {
    const legs = [hub(1, 'MOVING_TO_HUB'), hub(2, 'WAITING_FOR_HUB'), last(3, 'MOVING_TO_FIRM')];
    assert.deepEqual(advanceTargets(legs, legs[1]!, 'FIRM'), {
      allowed: [],
      reason: 'leg 1 has not arrived yet (MOVING_TO_HUB)',
    });
    legs[0]!.status = 'ARRIVED_DESTINATION_HUB';
    assert.deepEqual(advanceTargets(legs, legs[1]!, 'FIRM').allowed, ['MOVING_TO_HUB']);
  });

  test('the last mile starts when every hub leg arrived, and at once for a same-hub order', () => {
    const legs = [hub(1, 'ARRIVED_DESTINATION_HUB'), hub(2, 'MOVING_TO_HUB'), last(3, 'MOVING_TO_FIRM')];
    assert.deepEqual(advanceTargets(legs, legs[2]!, 'FIRM').allowed, []);
    legs[1]!.status = 'ARRIVED_DESTINATION_HUB';
    assert.deepEqual(advanceTargets(legs, legs[2]!, 'FIRM').allowed, ['FIRM_DELIVERY_IN_PROGRESS']);
    const sameHub = [last(1, 'MOVING_TO_FIRM')];
    assert.deepEqual(advanceTargets(sameHub, sameHub[0]!, 'FIRM').allowed, ['FIRM_DELIVERY_IN_PROGRESS']);
  });

  test('a locker last mile is completed by the locker, not by hand; cancelling is never a leg move', () => {
    const legs = [last(1, 'FIRM_DELIVERY_IN_PROGRESS')];
    assert.deepEqual(advanceTargets(legs, legs[0]!, 'FIRM').allowed, ['DELIVERY_COMPLETED']);
    const locker = advanceTargets(legs, legs[0]!, 'LOCKER');
    assert.deepEqual(locker.allowed, []);
    assert.match(locker.reason!, /locker reports the deposit/);
    assert.ok(
      !advanceTargets([hub(1, 'WAITING_FOR_HUB')], hub(1, 'WAITING_FOR_HUB'), 'FIRM').allowed.includes(
        'DELIVERY_CANCELLED',
      ),
    );
  });

  test('a refused move is BAD_USER_INPUT on `to`, naming the allowed moves', () => {
    const legs = [hub(1, 'WAITING_FOR_HUB'), last(2, 'MOVING_TO_FIRM')];
    const refusal = (to: DeliveryStatus, leg = legs[0]!) => {
      try {
        assertAdvance(legs, leg, to, 'FIRM');
      } catch (err) {
        assert.ok(err instanceof DomainError);
        return err;
      }
      assert.fail('expected a refusal');
    };
    const skip = refusal('ARRIVED_DESTINATION_HUB');
    assert.equal(skip.code, 'BAD_USER_INPUT');
    assert.deepEqual(skip.details, { field: 'to', allowed: ['MOVING_TO_HUB'] });
    assert.match(skip.message, /WAITING_FOR_HUB: it can move to MOVING_TO_HUB, not ARRIVED_DESTINATION_HUB/);
    const early = refusal('FIRM_DELIVERY_IN_PROGRESS', legs[1]!);
    assert.deepEqual(early.details, { field: 'to', allowed: [] });
    assert.match(early.message, /cannot move now, hub leg 1 has not arrived yet/);
    assert.doesNotThrow(() => assertAdvance(legs, legs[0]!, 'MOVING_TO_HUB', 'FIRM'));
  });

  test('the departure is the first leg leaving, whatever its kind', () => {
    assert.equal(isDeparture(hub(1, 'WAITING_FOR_HUB'), 'MOVING_TO_HUB'), true);
    assert.equal(isDeparture(hub(2, 'WAITING_FOR_HUB'), 'MOVING_TO_HUB'), false);
    assert.equal(isDeparture(last(1, 'MOVING_TO_FIRM'), 'FIRM_DELIVERY_IN_PROGRESS'), true);
    assert.equal(isDeparture(last(3, 'MOVING_TO_FIRM'), 'FIRM_DELIVERY_IN_PROGRESS'), false);
  });
});

describe('delivery status', () => {
  test('runs through every status over a two-hop delivery', () => {
    const legs = [hub(1, 'WAITING_FOR_HUB'), hub(2, 'WAITING_FOR_HUB'), last(3, 'MOVING_TO_FIRM')];
    const seen = [deliveryStatus(legs)];
    const steps: [number, DeliveryStatus][] = [
      [0, 'MOVING_TO_HUB'],
      [0, 'ARRIVED_DESTINATION_HUB'],
      [1, 'MOVING_TO_HUB'],
      [1, 'ARRIVED_DESTINATION_HUB'],
      [2, 'FIRM_DELIVERY_IN_PROGRESS'],
      [2, 'DELIVERY_COMPLETED'],
    ];
    for (const [index, status] of steps) {
      legs[index]!.status = status;
      seen.push(deliveryStatus(legs));
    }
    assert.deepEqual(seen, [
      'WAITING_FOR_HUB',
      'MOVING_TO_HUB',
      'ARRIVED_DESTINATION_HUB',
      'MOVING_TO_HUB',
      'MOVING_TO_FIRM',
      'FIRM_DELIVERY_IN_PROGRESS',
      'DELIVERY_COMPLETED',
    ]);
  });

  test('cancelled once any leg is, even with finished legs before it', () => {
    const legs = [hub(1, 'ARRIVED_DESTINATION_HUB'), last(2, 'DELIVERY_CANCELLED')];
    assert.equal(deliveryStatus(legs), 'DELIVERY_CANCELLED');
    assert.equal(deliveryStatus([last(1, 'MOVING_TO_FIRM')]), 'MOVING_TO_FIRM');
  });
});
