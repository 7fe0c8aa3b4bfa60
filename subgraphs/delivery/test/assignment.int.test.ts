/**
 * Manager assignment on MariaDB: round robin per (hub, kind) with a cursor that survives a restart, concurrent
 * deliveries that never share a person, and managers released (or handed to a waiting leg) when their leg finishes
 * or is cancelled — the system this replaces never released anyone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { typedPubSub } from '../../../lib/infra/pubsub.js';
import { bootSubgraph, type BootedSubgraph } from '../../../lib/subgraph/boot.js';
import { dropTestDatabases, silentLogger, startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { deliveryTopic, type DeliveryTopics, type DeliveryUpdate } from '../src/domain/topics.js';
import { AssignmentCursor } from '../src/entities/assignment-cursor.entity.js';
import { onOrderCancelled } from '../src/events/order-cancelled.js';
import { onRoutePlanned } from '../src/events/route-planned.js';
import { DeliveryService } from '../src/services/deliveries.service.js';
import { subgraph } from '../src/server.js';
import {
  MASTER,
  addManagers,
  deliveryOf,
  em,
  eventually,
  firmDriver,
  handle,
  hub,
  manager,
  orderCancelled,
  routePlanned,
} from './helpers.js';

describe('manager assignment', () => {
  let sg: TestSubgraph | undefined;
  /** The running instance: `sg` until the restart test replaces it. */
  let current: BootedSubgraph | undefined;
  before(async () => {
    sg = await startTestSubgraph(subgraph, { seed: true });
    current = sg;
  });
  after(async () => {
    await current?.stop();
    await sg?.infra.close();
    if (sg) await dropTestDatabases(sg.config);
  });

  /** Plans a same-hub order at `hubSeq` and returns its only leg. */
  const sameHubLeg = async (hubSeq: number) => {
    const event = routePlanned([hubSeq]);
    await handle(current!, onRoutePlanned, event);
    const { legs } = await deliveryOf(current!, event.data.orderId);
    return { orderId: event.data.orderId, leg: legs[0]! };
  };
  /** Drives a last mile to completion as a MASTER would (the service, without GraphQL). */
  const complete = async (legId: string) => {
    const service = new DeliveryService({ em: em(current!) });
    await service.advanceLeg(MASTER, legId, 'FIRM_DELIVERY_IN_PROGRESS');
    await service.advanceLeg(MASTER, legId, 'DELIVERY_COMPLETED');
  };

  test('round robin by sequence, skipping busy people, with a cursor that survives a restart', async () => {
    const JEONBUK = 14;
    const [s1, s2] = await addManagers(current!, JEONBUK, 'FIRM', [1, 2]);
    const bySequence = new Map([
      [firmDriver(JEONBUK).managerId, 0],
      [s1!, 1],
      [s2!, 2],
    ]);
    const picked: number[] = [];
    const next = async (finish: boolean) => {
      const { leg } = await sameHubLeg(JEONBUK);
      picked.push(bySequence.get(leg.managerId!)!);
      if (finish) await complete(leg.id);
    };
    await next(true);
    await next(true);
    const cursor = await em(current!).findOneOrFail(AssignmentCursor, { hubId: hub(JEONBUK).id, kind: 'FIRM' });
    assert.equal(cursor.lastSequence, 1, 'the cursor is a row');

    // A restart: a new process reads the rotation from the database, not from memory.
    await current!.stop();
    current = undefined;
    current = await bootSubgraph(subgraph, {
      config: sg!.config,
      infra: sg!.infra,
      logger: silentLogger,
      port: 0,
      seed: false,
    });
    await next(false); // sequence 2 stays busy
    await next(true);
    await next(true);
    await next(true); // after 1 comes 2, busy: skipped
    assert.deepEqual(picked, [0, 1, 2, 0, 1, 0]);
  });

  test('concurrent deliveries at one hub never get the same manager', async () => {
    const CHUNGBUK = 12;
    const DAEJEON = 8;
    const pool = await addManagers(current!, CHUNGBUK, 'HUB', [0, 1, 2, 3, 4]);
    const events = Array.from({ length: 12 }, () => routePlanned([CHUNGBUK, DAEJEON]));
    const results = await Promise.allSettled(events.map((e) => handle(current!, onRoutePlanned, e)));
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected'),
      [],
      'every handler committed (no deadlock, no duplicate)',
    );
    const deliveries = await Promise.all(events.map((e) => deliveryOf(current!, e.data.orderId)));
    const hubLegManagers = deliveries.map((d) => d.legs[0]!.managerId).filter((id): id is string => !!id);
    assert.equal(hubLegManagers.length, 5, 'five managers, five legs; the other seven wait');
    assert.equal(new Set(hubLegManagers).size, 5, 'nobody twice');
    assert.deepEqual([...hubLegManagers].sort(), [...pool].sort());
    for (const id of pool) assert.equal((await manager(current!, id)).available, false);
    const lastMiles = deliveries.map((d) => d.legs[1]!.managerId).filter(Boolean);
    assert.deepEqual(lastMiles, [firmDriver(DAEJEON).managerId], "Daejeon's one driver, once");
  });

  test('a finished leg releases its manager, who goes straight to the oldest leg waiting in the pool', async () => {
    const GANGWON = 11;
    const driver = firmDriver(GANGWON).managerId;
    const first = await sameHubLeg(GANGWON);
    const second = await sameHubLeg(GANGWON);
    assert.equal(first.leg.managerId, driver);
    assert.equal(second.leg.managerId ?? null, null, 'nobody free: the leg waits, the delivery is not failed');

    const updates: DeliveryUpdate[] = [];
    await typedPubSub<DeliveryTopics>(sg!.infra.pubsub).subscribe(deliveryTopic(second.orderId), (u) => {
      updates.push(u);
    });
    await complete(first.leg.id);
    assert.equal((await deliveryOf(current!, second.orderId)).legs[0]!.managerId, driver);
    assert.equal((await manager(current!, driver)).available, false, 'busy again, with the waiting leg');
    await eventually(() => updates.length === 1, 3000, "the waiting delivery's update");

    await complete(second.leg.id);
    assert.equal((await manager(current!, driver)).available, true, 'nobody stays unavailable for ever');
  });

  test('a cancelled delivery releases its managers to the pool too', async () => {
    const GYEONGNAM = 17;
    const driver = firmDriver(GYEONGNAM).managerId;
    const first = await sameHubLeg(GYEONGNAM);
    const second = await sameHubLeg(GYEONGNAM);
    assert.equal(first.leg.managerId, driver);
    await handle(current!, onOrderCancelled, orderCancelled(first.orderId));
    assert.equal((await deliveryOf(current!, second.orderId)).legs[0]!.managerId, driver);
    await handle(current!, onOrderCancelled, orderCancelled(second.orderId));
    assert.equal((await manager(current!, driver)).available, true);
  });
});
