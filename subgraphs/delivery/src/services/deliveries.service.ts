/**
 * Deliveries and their legs (docs/domain.md §4): created from a planned route with managers assigned, advanced leg by
 * leg by their managers, completed, cancelled. Each change commits with its event (outbox) and, after the commit,
 * nudges live subscribers on `delivery:<orderId>`.
 *
 * Lock order, the same in every use case so that concurrent ones queue instead of deadlocking: the order's record
 * (OrderRecord), then the delivery's manager pools (sorted), then the delivery row and its legs. A transaction that
 * assigns or releases anyone locks all the pools of each delivery whose legs it locks, before those legs (pools.ts
 * says why); a move that only changes a leg's status touches no pool and locks none.
 */
import type { EntityManager } from '@mikro-orm/core';
import { requireRole, requireViewer, type Viewer } from '../../../../lib/auth/viewer.js';
import { DomainError, ErrorCode, forbidden, notFound } from '../../../../lib/errors/index.js';
import { Outbox } from '../../../../lib/events/outbox.js';
import { uuidv7 } from '../../../../lib/orm/columns.js';
import { canReadDelivery } from '../domain/access.js';
import { dispatchDeadline, parseRequestedArrival } from '../domain/dispatch-deadline.js';
import type { DeliveryEvents } from '../domain/events.js';
import {
  FINISHED_STATUS,
  INITIAL_STATUS,
  advanceTargets,
  assertAdvance,
  deliveryStatus,
  isClosed,
  isDeparture,
  isFinished,
  nextStatuses,
  type DeliveryStatus,
} from '../domain/legs.js';
import { planLegs, type RouteHop, type RouteHub } from '../domain/plan.js';
import { DeliveryLeg } from '../entities/delivery-leg.entity.js';
import { DeliveryManager } from '../entities/delivery-manager.entity.js';
import { Delivery } from '../entities/delivery.entity.js';
import { OrderRecord } from '../entities/order-record.entity.js';
import type { DeliveryLoaders } from '../loaders/index.js';
import { LOCKED, inTransaction, lockOrCreate } from './locks.js';
import { ManagerPools, poolOfLeg } from './pools.js';
import { publishAfterCommit } from './runtime.js';

const outbox = new Outbox<DeliveryEvents>('delivery');

/** A planned route, as `route.planned` carries it (events/route-planned.ts validates it). */
export interface PlannedRoute {
  orderId: string;
  /** Path order; one hub for a same-hub order. */
  hubs: RouteHub[];
  /** hops[i] goes hubs[i] → hubs[i + 1]. */
  legs: RouteHop[];
  /** Seconds. */
  totalDurationSeconds: number;
  /** Metres. */
  totalDistanceMeters: number;
  destination: { kind: 'FIRM'; firmId: string; name: string; address: string } | { kind: 'LOCKER'; lockerId: string };
  productName: string;
  quantity: number;
  requestNote: string | null;
  orderCreatedAt: Date;
  /** Not in the catalogue's payload; used for read access when a producer adds it. */
  supplierFirmId: string | null;
}

/** A delivery locked for change, with its legs (by sequence) and, when asked for, its pools. */
interface Locked {
  delivery: Delivery;
  legs: DeliveryLeg[];
  pools: ManagerPools | null;
}

export interface DeliveryServiceDeps {
  em: EntityManager;
  /** The request's loaders; absent for event handlers, which only change things. */
  loaders?: DeliveryLoaders;
  /** @default the current time */
  now?: () => Date;
}

export class DeliveryService {
  private readonly em: EntityManager;
  private readonly now: () => Date;

  constructor(private readonly deps: DeliveryServiceDeps) {
    this.em = deps.em;
    this.now = deps.now ?? (() => new Date());
  }

  // --- Event-driven ---------------------------------------------------------------------------------------------

  /**
   * Creates the delivery of a planned route: its legs, a manager per leg where one is free, the dispatch deadline,
   * and `delivery.created`. Returns null, creating nothing, when the order was cancelled first; returns the existing
   * delivery when the route was already handled.
   */
  createFromRoute(route: PlannedRoute): Promise<Delivery | null> {
    return inTransaction(this.em, async (em) => {
      const record = await lockOrder(em, route.orderId);
      if (record.cancelledAt) return null;
      if (record.deliveryId) return em.findOneOrFail(Delivery, { id: record.deliveryId });

      const plans = planLegs(route.hubs, route.legs);
      const { deadline } = dispatchDeadline({
        orderedAt: route.orderCreatedAt,
        etaSeconds: route.totalDurationSeconds,
        requestedArrival: parseRequestedArrival(route.requestNote, route.orderCreatedAt),
      });
      const pools = new ManagerPools(em);
      await pools.lock(plans.map((l) => l.pool));

      const destination = route.destination;
      const delivery = em.create(Delivery, {
        id: uuidv7(),
        orderId: route.orderId,
        status: deliveryStatus(plans),
        supplierHubId: route.hubs[0]!.hubId,
        receiverHubId: route.hubs[route.hubs.length - 1]!.hubId,
        supplierFirmId: route.supplierFirmId,
        destinationKind: destination.kind,
        receiverFirmId: destination.kind === 'FIRM' ? destination.firmId : null,
        receiverName: destination.kind === 'FIRM' ? destination.name : null,
        receiverAddress: destination.kind === 'FIRM' ? destination.address : null,
        lockerId: destination.kind === 'LOCKER' ? destination.lockerId : null,
        // The locker may have reserved its compartment before the route was planned.
        reservationId: destination.kind === 'LOCKER' ? record.reservationId : null,
        compartmentIndex: destination.kind === 'LOCKER' ? record.compartmentIndex : null,
        productName: route.productName,
        quantity: route.quantity,
        requestNote: route.requestNote,
        orderCreatedAt: route.orderCreatedAt,
        expectedDurationSeconds: route.totalDurationSeconds,
        totalDistanceMeters: route.totalDistanceMeters,
        dispatchDeadline: deadline,
        startedAt: null,
        completedAt: null,
        cancelledAt: null,
        cancelReason: null,
      });
      record.deliveryId = delivery.id;
      const legs: DeliveryLeg[] = [];
      for (const plan of plans) {
        const manager = await pools.assign(plan.pool);
        legs.push(
          em.create(DeliveryLeg, {
            id: uuidv7(),
            deliveryId: delivery.id,
            sequence: plan.sequence,
            kind: plan.kind,
            status: plan.status,
            fromHubId: plan.from.hubId,
            fromHubName: plan.from.name,
            fromHubAddress: plan.from.address,
            toHubId: plan.to?.hubId ?? null,
            toHubName: plan.to?.name ?? null,
            toHubAddress: plan.to?.address ?? null,
            durationSeconds: plan.durationSeconds,
            distanceMeters: plan.distanceMeters,
            etaSource: plan.etaSource,
            managerId: manager?.id ?? null,
            startedAt: null,
            finishedAt: null,
          }),
        );
      }
      outbox.record(em, 'delivery.created', route.orderId, {
        deliveryId: delivery.id,
        orderId: route.orderId,
        legs: legs.map((l) => ({
          legId: l.id,
          sequence: l.sequence,
          kind: l.kind,
          fromHubId: l.fromHubId,
          toHubId: l.toHubId ?? null,
          managerId: l.managerId ?? null,
        })),
        expectedDurationSeconds: delivery.expectedDurationSeconds,
        dispatchDeadline: deadline.toISOString(),
      });
      await em.flush();
      publishAfterCommit(em, { orderId: delivery.orderId, deliveryId: delivery.id });
      return delivery;
    });
  }

  /**
   * The order was cancelled (`order.cancelled`): remembers it, so a later `route.planned` creates nothing, and
   * cancels every unfinished leg of an existing delivery, releasing their managers. Idempotent. Announces nothing:
   * the order cancelled first, and answering with `delivery.cancelled` would only bounce back to it.
   */
  cancelForOrder(input: { orderId: string; reason: string; cancelledAt: Date }): Promise<void> {
    return inTransaction(this.em, async (em) => {
      const record = await lockOrder(em, input.orderId);
      if (!record.cancelledAt) Object.assign(record, { cancelledAt: input.cancelledAt, cancelReason: input.reason });
      await em.flush();
      if (!record.deliveryId) return;
      const locked = await this.lockDelivery(em, record.deliveryId, true);
      if (isOpen(locked.delivery)) await this.cancelLegs(em, locked, 'ORDER_CANCELLED', this.now());
    });
  }

  /** The locker reserved a compartment for the order (`reservation.created`): the last mile's target. */
  recordReservation(input: {
    orderId: string;
    reservationId: string;
    lockerId: string;
    compartmentIndex: number;
  }): Promise<void> {
    return inTransaction(this.em, async (em) => {
      const record = await lockOrder(em, input.orderId);
      Object.assign(record, {
        reservationId: input.reservationId,
        lockerId: input.lockerId,
        compartmentIndex: input.compartmentIndex,
      });
      const delivery = record.deliveryId ? await em.findOne(Delivery, { id: record.deliveryId }, LOCKED) : null;
      if (delivery) {
        Object.assign(delivery, { reservationId: input.reservationId, compartmentIndex: input.compartmentIndex });
        publishAfterCommit(em, { orderId: delivery.orderId, deliveryId: delivery.id });
      }
      await em.flush();
    });
  }

  /**
   * The locker reports the parcel in its compartment (`reservation.deposited`): the last mile completes (through
   * FIRM_DELIVERY_IN_PROGRESS if its driver never said so). Ignored for a cancelled or completed delivery; refused
   * (thrown, so retried and then dead-lettered) when no delivery exists yet or its hub legs have not all arrived.
   */
  completeByDeposit(input: { orderId: string; reservationId: string; depositedAt: Date }): Promise<void> {
    return inTransaction(this.em, async (em) => {
      const found = await em.findOne(Delivery, { orderId: input.orderId });
      if (!found) throw new Error(`No delivery for order ${input.orderId} yet`);
      const locked = await this.lockDelivery(em, found.id, true);
      const { delivery } = locked;
      if (!isOpen(delivery)) return;
      if (delivery.destinationKind !== 'LOCKER') throw new Error(`Delivery ${found.id} does not go to a locker`);
      if (delivery.reservationId && delivery.reservationId !== input.reservationId) {
        throw new Error(
          `Delivery ${found.id} goes to reservation ${delivery.reservationId}, not ${input.reservationId}`,
        );
      }
      const last = locked.legs[locked.legs.length - 1]!;
      for (const to of ['FIRM_DELIVERY_IN_PROGRESS', 'DELIVERY_COMPLETED'] as const) {
        if (last.status === to) continue;
        if (to === 'FIRM_DELIVERY_IN_PROGRESS' && !advanceTargets(locked.legs, last, 'FIRM').allowed.includes(to)) {
          throw new Error(`Delivery ${found.id}: a deposit was reported before every hub leg arrived`);
        }
        await this.move(em, locked, last, to, input.depositedAt);
      }
    });
  }

  // --- GraphQL --------------------------------------------------------------------------------------------------

  /**
   * Moves a leg on: only the DELIVERY_MANAGER assigned to it, or a MASTER (FORBIDDEN otherwise). A move the leg
   * cannot make now is BAD_USER_INPUT on `to`, naming the allowed ones (domain/legs.ts advanceTargets).
   */
  advanceLeg(viewer: Viewer, legId: string, to: DeliveryStatus): Promise<DeliveryLeg> {
    const user = requireViewer(viewer);
    if (user.role !== 'MASTER' && user.role !== 'DELIVERY_MANAGER') {
      throw forbidden('Only the delivery manager assigned to a leg, or a MASTER, may advance it');
    }
    return inTransaction(this.em, async (em) => {
      const found = await em.findOne(DeliveryLeg, { id: legId });
      if (!found) throw notFound('Delivery leg', legId);
      // Only a move that finishes the leg releases its manager, and so needs the pools.
      const locked = await this.lockDelivery(em, found.deliveryId, to === FINISHED_STATUS[found.kind]);
      const leg = locked.legs.find((l) => l.id === legId)!;
      if (user.role !== 'MASTER') {
        const manager = leg.managerId ? await em.findOne(DeliveryManager, { id: leg.managerId }) : null;
        if (manager?.userId !== user.userId) throw forbidden('Only the manager assigned to this leg may advance it');
      }
      assertAdvance(locked.legs, leg, to, locked.delivery.destinationKind);
      await this.move(em, locked, leg, to, this.now());
      return leg;
    });
  }

  /**
   * A MASTER cancels a delivery that has not left yet: every unfinished leg is cancelled, managers are released, and
   * `delivery.cancelled` (MANUAL) asks the order to cancel too. Refused with DELIVERY_NOT_CANCELLABLE once completed,
   * cancelled or on its way (the order cannot be cancelled in transit either).
   */
  cancel(viewer: Viewer, deliveryId: string): Promise<Delivery> {
    requireRole(viewer, 'MASTER');
    return inTransaction(this.em, async (em) => {
      if (!(await em.findOne(Delivery, { id: deliveryId }))) throw notFound('Delivery', deliveryId);
      const locked = await this.lockDelivery(em, deliveryId, true);
      const { delivery } = locked;
      if (!isOpen(delivery)) {
        throw new DomainError(ErrorCode.DELIVERY_NOT_CANCELLABLE, `The delivery is already ${delivery.status}`);
      }
      if (delivery.startedAt) {
        throw new DomainError(
          ErrorCode.DELIVERY_NOT_CANCELLABLE,
          `The delivery left at ${delivery.startedAt.toISOString()}; a delivery on its way cannot be cancelled`,
        );
      }
      const at = this.now();
      await this.cancelLegs(em, locked, 'MANUAL', at);
      outbox.record(em, 'delivery.cancelled', delivery.orderId, {
        deliveryId: delivery.id,
        orderId: delivery.orderId,
        reason: 'MANUAL',
        cancelledAt: at.toISOString(),
      });
      await em.flush();
      return delivery;
    });
  }

  /** A delivery by id, if the viewer may read it (FORBIDDEN otherwise); null when there is none. */
  async get(viewer: Viewer, id: string): Promise<Delivery | null> {
    return this.readable(viewer, await this.loaders().delivery.load(id));
  }

  /** The delivery of an order (`Order.delivery`), if the viewer may read it; null until it is created. */
  async forOrder(viewer: Viewer, orderId: string): Promise<Delivery | null> {
    return this.readable(viewer, await this.loaders().deliveryByOrder.load(orderId));
  }

  /** The legs assigned to the viewer's delivery-manager profile (none without one), open ones unless asked. */
  async assignedLegs(viewer: Viewer, includeFinished: boolean): Promise<DeliveryLeg[]> {
    const user = requireViewer(viewer);
    const profile = await this.loaders().managerByUser.load(user.userId);
    if (!profile) return [];
    const legs = await this.em.find(DeliveryLeg, { managerId: profile.id }, { orderBy: { createdAt: 'asc' } });
    return includeFinished ? legs : legs.filter((l) => !isClosed(l));
  }

  /** Where `leg` may be moved now by `advanceDeliveryLeg`. */
  async allowedMoves(leg: DeliveryLeg): Promise<DeliveryStatus[]> {
    const [delivery, legs] = await Promise.all([
      this.loaders().delivery.load(leg.deliveryId),
      this.loaders().legsByDelivery.load(leg.deliveryId),
    ]);
    return delivery ? advanceTargets(legs, leg, delivery.destinationKind).allowed : [];
  }

  // --- Internals ------------------------------------------------------------------------------------------------

  private loaders(): DeliveryLoaders {
    if (!this.deps.loaders) throw new Error('DeliveryService reads need the request loaders');
    return this.deps.loaders;
  }

  private async readable(viewer: Viewer, delivery: Delivery | null): Promise<Delivery | null> {
    if (!delivery) return null;
    const loaders = this.loaders();
    const allowed = await canReadDelivery(viewer, delivery, async () => {
      const legs = await loaders.legsByDelivery.load(delivery.id);
      const ids = legs.flatMap((l) => (l.managerId ? [l.managerId] : []));
      const managers = await loaders.manager.loadMany(ids);
      return managers.flatMap((m) => (m && !(m instanceof Error) ? [m.userId] : []));
    });
    if (!allowed) throw forbidden('You may not see this delivery');
    return delivery;
  }

  /** Locks the delivery's pools (if `withPools`), then the delivery and its legs (read as committed, by sequence). */
  private async lockDelivery(em: EntityManager, deliveryId: string, withPools: boolean): Promise<Locked> {
    let pools: ManagerPools | null = null;
    if (withPools) {
      // A leg's pool never changes, so a plain read names the pools to lock before any leg row is.
      const known = await em.find(DeliveryLeg, { deliveryId });
      pools = new ManagerPools(em);
      await pools.lock(known.map(poolOfLeg));
    }
    const delivery = await em.findOneOrFail(Delivery, { id: deliveryId }, LOCKED);
    const legs = await em.find(DeliveryLeg, { deliveryId }, { ...LOCKED, orderBy: { sequence: 'asc' } });
    return { delivery, legs, pools };
  }

  /** Applies one allowed move of `leg`, with its events, the manager's release and the feed. */
  private async move(em: EntityManager, locked: Locked, leg: DeliveryLeg, to: DeliveryStatus, at: Date) {
    const { delivery } = locked;
    if (!nextStatuses(leg.kind, leg.status).includes(to)) throw new Error(`${leg.status} → ${to} is not a move`);
    const departs = isDeparture(leg, to) && !delivery.startedAt;
    if (leg.status === INITIAL_STATUS[leg.kind]) leg.startedAt = at;
    leg.status = to;
    if (to === FINISHED_STATUS[leg.kind]) leg.finishedAt = at;
    delivery.status = deliveryStatus(locked.legs);
    const event = { deliveryId: delivery.id, orderId: delivery.orderId };
    if (departs) {
      delivery.startedAt = at;
      outbox.record(em, 'delivery.started', delivery.orderId, { ...event, startedAt: at.toISOString() });
    }
    if (leg.kind === 'LAST_MILE' && to === 'DELIVERY_COMPLETED') {
      delivery.completedAt = at;
      outbox.record(em, 'delivery.completed', delivery.orderId, { ...event, completedAt: at.toISOString() });
    }
    await em.flush();
    if (isFinished(leg) && leg.managerId) await this.release(em, locked.pools, [leg.managerId]);
    publishAfterCommit(em, event);
  }

  /** Cancels every unfinished leg of an open delivery and releases their managers. */
  private async cancelLegs(em: EntityManager, locked: Locked, reason: 'ORDER_CANCELLED' | 'MANUAL', at: Date) {
    const { delivery } = locked;
    const open = locked.legs.filter((l) => !isClosed(l));
    for (const leg of open) Object.assign(leg, { status: 'DELIVERY_CANCELLED', finishedAt: at });
    Object.assign(delivery, { status: deliveryStatus(locked.legs), cancelledAt: at, cancelReason: reason });
    await em.flush();
    await this.release(
      em,
      locked.pools,
      open.flatMap((l) => (l.managerId ? [l.managerId] : [])),
    );
    publishAfterCommit(em, { orderId: delivery.orderId, deliveryId: delivery.id });
  }

  /** Releases managers; a manager handed straight to a waiting leg nudges that leg's delivery too. */
  private async release(em: EntityManager, pools: ManagerPools | null, managerIds: readonly string[]) {
    if (managerIds.length && !pools) throw new Error('Releasing managers needs their pools locked first');
    for (const id of managerIds) {
      const handedTo = await pools!.release(id);
      await em.flush();
      if (!handedTo) continue;
      const other = await em.findOne(Delivery, { id: handedTo.deliveryId });
      if (other) publishAfterCommit(em, { orderId: other.orderId, deliveryId: other.id });
    }
  }
}

/** Open: neither completed nor cancelled. */
const isOpen = (delivery: Delivery) =>
  delivery.status !== 'DELIVERY_COMPLETED' && delivery.status !== 'DELIVERY_CANCELLED';

/** Locks the order's record (creating it), which orders the handlers of one order against each other. */
function lockOrder(em: EntityManager, orderId: string): Promise<OrderRecord> {
  return lockOrCreate(em, OrderRecord, { orderId }, () => ({
    orderId,
    deliveryId: null,
    cancelledAt: null,
    cancelReason: null,
    reservationId: null,
    lockerId: null,
    compartmentIndex: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  }));
}
