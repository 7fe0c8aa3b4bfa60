/** Shared by the delivery subgraph's integration tests: events as producers would send them, viewers, lookups. */
import type { EntityManager } from '@mikro-orm/core';
import type { AuthenticatedViewer, Role } from '../../../lib/auth/viewer.js';
import { createEvent, type EventEnvelope } from '../../../lib/events/index.js';
import { OutboxEvent, type EventHandler } from '../../../lib/events/outbox.js';
import { uuidv7 } from '../../../lib/orm/columns.js';
import { readDataFile } from '../../../lib/orm/seed.js';
import type { BootedSubgraph } from '../../../lib/subgraph/boot.js';
import { DeliveryLeg } from '../src/entities/delivery-leg.entity.js';
import { DeliveryManager } from '../src/entities/delivery-manager.entity.js';
import { Delivery } from '../src/entities/delivery.entity.js';

/** What these helpers need of a booted subgraph (lib/testing is for *.test.ts files only). */
type Booted = Pick<BootedSubgraph, 'db'>;

const HUBS = readDataFile<{ hubs: { id: string; seq: number; name: string; address: string }[] }>('hubs.json').hubs;

/** A hub of data/hubs.json by its number (1 = Seoul … 17 = Gyeongnam). */
export function hub(seq: number) {
  const found = HUBS.find((h) => h.seq === seq);
  if (!found) throw new Error(`no hub ${seq}`);
  return found;
}

export const SEOUL = 1;
export const GYEONGGI_SOUTH = 3;
export const BUSAN = 4;
export const DAEGU = 5;

/** The demo FIRM (last-mile) driver of hub `seq`: data/demo/delivery-managers.json. */
export const firmDriver = (seq: number) => ({
  managerId: `0190f000-0000-7000-8000-0004000000${seq.toString(16).padStart(2, '0')}`,
  userId: `0190f000-0000-7000-8000-0001000001${seq.toString(16).padStart(2, '0')}`,
});
/** The demo HUB manager (`delivery_manager`), at Gyeonggi South. */
export const HUB_DRIVER = {
  managerId: '0190f000-0000-7000-8000-000400000000',
  userId: '0190f000-0000-7000-8000-000100000003',
};

export function viewer(role: Role, userId: string, scope: { hubId?: string; firmId?: string } = {}) {
  return {
    kind: 'user',
    userId,
    role,
    hubId: scope.hubId ?? null,
    firmId: scope.firmId ?? null,
    sessionId: null,
    tokenVersion: 0,
  } satisfies AuthenticatedViewer;
}
export const MASTER = viewer('MASTER', '0190f000-0000-7000-8000-000100000001');

/** An envelope typed by its payload, as the producer's EventMap would type it. */
export const envelope = <T extends string, D extends object>(source: string, type: T, key: string, data: D) =>
  createEvent(source, type, key, data) as EventEnvelope<T, D>;

/** `route.planned` as the hub subgraph sends it, along hubs `path` (their numbers), to a firm unless told. */
export function routePlanned(
  path: number[],
  options: {
    orderId?: string;
    destination?: Record<string, unknown>;
    requestNote?: string | null;
    orderCreatedAt?: string;
    secondsPerHop?: number;
  } = {},
) {
  const hubs = path.map(hub);
  const orderId = options.orderId ?? uuidv7();
  const secondsPerHop = options.secondsPerHop ?? 3600;
  const legs = hubs.slice(1).map((to, i) => ({
    fromHubId: hubs[i]!.id,
    toHubId: to.id,
    durationSeconds: secondsPerHop,
    distanceMeters: 50_000,
    etaSource: 'ESTIMATE',
  }));
  const data = {
    orderId,
    hubs: hubs.map((h) => ({ hubId: h.id, name: h.name, address: h.address })),
    legs,
    totalDurationSeconds: legs.length * secondsPerHop,
    totalDistanceMeters: legs.length * 50_000,
    destination: options.destination ?? {
      kind: 'FIRM',
      firmId: '0190f000-0000-7000-8000-000200000004',
      name: 'Seoul Office Co.',
      address: '서울특별시 송파구 송파대로 55',
    },
    productName: 'Kimchi',
    quantity: 3,
    requestNote: options.requestNote ?? null,
    orderCreatedAt: options.orderCreatedAt ?? new Date().toISOString(),
  };
  return envelope('hub', 'route.planned', orderId, data);
}

export function orderCancelled(orderId: string, reason = 'USER') {
  return envelope('order', 'order.cancelled', orderId, {
    orderId,
    reason,
    cancelledBy: MASTER.userId,
    cancelledAt: new Date().toISOString(),
  });
}

/** Runs `handler` as the consumer runner would: inside a transaction of its own. */
export function handle(sg: Booted, handler: EventHandler, event: EventEnvelope): Promise<void> {
  return sg.db.orm.em.fork().transactional((em) => handler(event, em));
}

export const em = (sg: Booted): EntityManager => sg.db.orm.em.fork();

export async function deliveryOf(sg: Booted, orderId: string) {
  const fork = em(sg);
  const delivery = await fork.findOne(Delivery, { orderId });
  const legs = delivery
    ? await fork.find(DeliveryLeg, { deliveryId: delivery.id }, { orderBy: { sequence: 'asc' } })
    : [];
  return { delivery, legs };
}

export async function manager(sg: Booted, id: string) {
  return em(sg).findOneOrFail(DeliveryManager, { id });
}

/** The events recorded in the outbox for `orderId`, oldest first. */
export async function outbox(sg: Booted, orderId: string): Promise<EventEnvelope[]> {
  const rows = await em(sg).find(OutboxEvent, { key: orderId }, { orderBy: { id: 'asc' } });
  return rows.map((r) => JSON.parse(r.envelope) as EventEnvelope);
}

/** Adds managers to a pool (fresh users), returning their ids in sequence order. */
export async function addManagers(sg: Booted, hubSeq: number, kind: 'HUB' | 'FIRM', sequences: number[]) {
  const fork = em(sg);
  const rows = sequences.map((sequence) =>
    fork.create(DeliveryManager, { id: uuidv7(), userId: uuidv7(), hubId: hub(hubSeq).id, kind, sequence }),
  );
  await fork.flush();
  return rows.map((r) => r.id);
}

/** Polls `check` until it holds (events and pub/sub arrive asynchronously); fails after `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 3000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const ADVANCE = `mutation($legId: ID!, $to: DeliveryStatus!) {
  advanceDeliveryLeg(legId: $legId, to: $to) { id status nextStatuses delivery { id status } }
}`;
