/** From a planned route to legs: one per hop plus the last mile; a same-hub order gets the last mile alone. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InconsistentRouteError, planLegs, type RouteHub } from '../src/domain/plan.js';

const hubs: RouteHub[] = ['a', 'b', 'c'].map((x) => ({ hubId: x, name: `Hub ${x}`, address: `${x} street` }));
const hop = (from: string, to: string, durationSeconds: number) => ({
  fromHubId: from,
  toHubId: to,
  durationSeconds,
  distanceMeters: durationSeconds * 20,
  etaSource: 'ESTIMATE',
});

describe('planLegs', () => {
  test('n hops → n HUB legs from their start hub’s HUB pool, then the last mile from the last hub’s FIRM pool', () => {
    const legs = planLegs(hubs, [hop('a', 'b', 3600), hop('b', 'c', 1800)]);
    assert.deepEqual(
      legs.map((l) => [l.sequence, l.kind, l.status, l.from.hubId, l.to?.hubId ?? null, l.durationSeconds, l.pool]),
      [
        [1, 'HUB', 'WAITING_FOR_HUB', 'a', 'b', 3600, { hubId: 'a', kind: 'HUB' }],
        [2, 'HUB', 'WAITING_FOR_HUB', 'b', 'c', 1800, { hubId: 'b', kind: 'HUB' }],
        [3, 'LAST_MILE', 'MOVING_TO_FIRM', 'c', null, null, { hubId: 'c', kind: 'FIRM' }],
      ],
    );
  });

  test('a same-hub order has no hub leg and one last mile (the original system refused it)', () => {
    const legs = planLegs([hubs[0]!], []);
    assert.equal(legs.length, 1);
    assert.deepEqual([legs[0]!.sequence, legs[0]!.kind, legs[0]!.pool], [1, 'LAST_MILE', { hubId: 'a', kind: 'FIRM' }]);
  });

  test('a route that contradicts itself is refused, never guessed', () => {
    assert.throws(() => planLegs([], []), InconsistentRouteError);
    assert.throws(() => planLegs(hubs, [hop('a', 'b', 1)]), /3 hubs has 2 hops, not 1/);
    assert.throws(() => planLegs(hubs, [hop('a', 'c', 1), hop('c', 'b', 1)]), /not along the path/);
  });
});
