/**
 * Routes between hubs (docs/architecture.md §8): the fastest path by link ETA (Dijkstra over a binary heap), for the
 * `route` query and for orders (`order.created` → `route.planned` or `route.failed`).
 */
import type { EntityManager } from '@mikro-orm/core';
import { DomainError, ErrorCode } from '../../../../lib/errors/index.js';
import type { EventRecorder } from '../../../../lib/events/outbox.js';
import type { HubEvents, RouteDestination, RouteFailureReason, RoutePlanned } from '../domain/events.js';
import type { Hub } from '../entities/hub.entity.js';
import type { HubLink } from '../entities/hub-link.entity.js';
import { readHubNetwork, type HubNetworkCache } from './hub-network.js';
import { shortestPath } from '../routing/dijkstra.js';
import type { EtaSource, LinkEta, LinkEtas } from '../routing/eta.js';

export interface RouteLegView {
  from: Hub;
  to: Hub;
  /** Whole seconds. */
  durationSeconds: number;
  /** Whole metres. */
  distanceMeters: number;
  etaSource: EtaSource;
}

/** The `Route` GraphQL type's model. */
export interface RouteView {
  /** Origin to destination, both included; one hub for a same-hub route. */
  hubs: Hub[];
  /** `hubs.length - 1` legs, in travel order. */
  legs: RouteLegView[];
  totalDurationSeconds: number;
  totalDistanceMeters: number;
}

export type RoutePlan =
  | { ok: true; route: RouteView }
  | {
      ok: false;
      reason: RouteFailureReason;
      /** The unknown hub ids (UNKNOWN_HUB), or the two hubs no path joins (NO_PATH). */
      hubIds: string[];
    };

/** What routing an order needs of it (the fields of `order.created` that `route.planned` carries on). */
export interface OrderToRoute {
  orderId: string;
  supplierHubId: string;
  receiverHubId: string;
  destination: RouteDestination;
  productName: string;
  quantity: number;
  requestNote: string | null;
  createdAt: string;
}

type PricedLink = { a: string; b: string; eta: LinkEta };

export class RouteService {
  constructor(
    private readonly em: EntityManager,
    /** Prices links: the ETA cache in front of Kakao, or the estimate alone. */
    private readonly links: LinkEtas,
    private readonly events: EventRecorder<HubEvents>,
    /** The process's snapshot of hubs and links; without it the network is read through `em` (in its transaction). */
    private readonly network?: HubNetworkCache,
  ) {}

  /**
   * The fastest route from one hub to another; any signed-in viewer may ask (the schema refuses anonymous callers).
   * @throws DomainError NOT_FOUND with `reason` UNKNOWN_HUB (and the `field` naming the unknown hub) or NO_PATH.
   */
  async route(fromHubId: string, toHubId: string): Promise<RouteView> {
    const plan = await this.plan(fromHubId, toHubId);
    if (plan.ok) return plan.route;
    if (plan.reason === 'UNKNOWN_HUB') {
      const field = plan.hubIds.includes(fromHubId) ? 'fromHubId' : 'toHubId';
      throw new DomainError(ErrorCode.NOT_FOUND, `Hub ${plan.hubIds.join(', ')} not found`, {
        reason: plan.reason,
        field,
      });
    }
    throw new DomainError(ErrorCode.NOT_FOUND, `No route joins hub ${fromHubId} to hub ${toHubId}`, {
      reason: plan.reason,
    });
  }

  /**
   * Plans an order's route from its supplier's hub to its receiver's hub and records the outcome on this service's
   * EntityManager, for the caller's transaction to commit with it: `route.planned`, or `route.failed` when a hub is
   * unknown or no path joins them. A same-hub order is a valid route of one hub and no legs.
   */
  async planOrder(order: OrderToRoute): Promise<RoutePlan> {
    const plan = await this.plan(order.supplierHubId, order.receiverHubId);
    if (!plan.ok) {
      this.events.record(this.em, 'route.failed', order.orderId, {
        orderId: order.orderId,
        supplierHubId: order.supplierHubId,
        receiverHubId: order.receiverHubId,
        reason: plan.reason,
      });
      return plan;
    }
    this.events.record(this.em, 'route.planned', order.orderId, routePlanned(order, plan.route));
    return plan;
  }

  /** The fastest path, or why there is none. Prices only the links of the origin's part of the network. */
  async plan(fromHubId: string, toHubId: string): Promise<RoutePlan> {
    const network = this.network
      ? await this.network.get(this.em, [fromHubId, toHubId])
      : await readHubNetwork(this.em);
    const byId = network.hubs;
    const unknown = [...new Set([fromHubId, toHubId])].filter((id) => !byId.has(id));
    if (unknown.length) return { ok: false, reason: 'UNKNOWN_HUB', hubIds: unknown };
    if (fromHubId === toHubId) {
      return {
        ok: true,
        route: { hubs: [byId.get(fromHubId)!], legs: [], totalDurationSeconds: 0, totalDistanceMeters: 0 },
      };
    }

    const { hubIds: reachable, links } = component(network.links, fromHubId);
    if (!reachable.has(toHubId)) return { ok: false, reason: 'NO_PATH', hubIds: [fromHubId, toHubId] };
    // Every link the search may settle, priced at once: a cold cache asks its provider about all of them in
    // parallel (one call's latency), a warm one reads them in one round trip.
    const etas = await this.links.etas(links.map((l) => [byId.get(l.fromHubId)!, byId.get(l.toHubId)!] as const));
    const priced: PricedLink[] = links.map((l, i) => ({ a: l.fromHubId, b: l.toHubId, eta: etas[i]! }));
    const path = shortestPath(
      { hubIds: byId.keys(), links: priced, weight: (l) => l.eta.durationSeconds },
      fromHubId,
      toHubId,
    );
    if (!path) return { ok: false, reason: 'NO_PATH', hubIds: [fromHubId, toHubId] };
    const legs = path.legs.map((leg) => ({
      from: byId.get(leg.from)!,
      to: byId.get(leg.to)!,
      durationSeconds: leg.link.eta.durationSeconds,
      distanceMeters: leg.link.eta.distanceMeters,
      etaSource: leg.link.eta.source,
    }));
    return {
      ok: true,
      route: {
        hubs: path.hubIds.map((id) => byId.get(id)!),
        legs,
        totalDurationSeconds: path.totalWeight,
        totalDistanceMeters: legs.reduce((sum, leg) => sum + leg.distanceMeters, 0),
      },
    };
  }
}

/** The part of the network `origin` belongs to: its hubs and links (breadth-first over undirected links). */
function component(links: readonly HubLink[], origin: string): { hubIds: Set<string>; links: HubLink[] } {
  const adjacent = new Map<string, string[]>();
  for (const l of links) {
    adjacent.set(l.fromHubId, [...(adjacent.get(l.fromHubId) ?? []), l.toHubId]);
    adjacent.set(l.toHubId, [...(adjacent.get(l.toHubId) ?? []), l.fromHubId]);
  }
  const hubIds = new Set([origin]);
  for (const queue = [origin]; queue.length;) {
    for (const next of adjacent.get(queue.shift()!) ?? []) {
      if (hubIds.has(next)) continue;
      hubIds.add(next);
      queue.push(next);
    }
  }
  return { hubIds, links: links.filter((l) => hubIds.has(l.fromHubId)) };
}

function routePlanned(order: OrderToRoute, route: RouteView): RoutePlanned {
  return {
    orderId: order.orderId,
    hubs: route.hubs.map((h) => ({ hubId: h.id, name: h.name, address: h.address })),
    legs: route.legs.map((leg) => ({
      fromHubId: leg.from.id,
      toHubId: leg.to.id,
      durationSeconds: leg.durationSeconds,
      distanceMeters: leg.distanceMeters,
      etaSource: leg.etaSource,
    })),
    totalDurationSeconds: route.totalDurationSeconds,
    totalDistanceMeters: route.totalDistanceMeters,
    destination: order.destination,
    productName: order.productName,
    quantity: order.quantity,
    requestNote: order.requestNote,
    orderCreatedAt: order.createdAt,
  };
}
