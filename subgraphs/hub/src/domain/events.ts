/**
 * The events the hub subgraph produces (docs/events.md §5), as an EventMap: payload field names are fixed by the
 * catalogue. Both are keyed by `orderId` and answer an `order.created`. Durations are whole seconds, distances whole
 * metres, times ISO 8601 UTC strings.
 */

/** Where the order goes, passed through from `order.created` for the delivery subgraph's last leg. */
export type RouteDestination =
  { kind: 'FIRM'; firmId: string; name: string; address: string } | { kind: 'LOCKER'; lockerId: string };

/** A hub on the route, with what a delivery notice shows of it. */
export interface RouteHub {
  hubId: string;
  name: string;
  address: string;
}

/** One hub-to-hub hop, in travel order. */
export interface RouteLegPlan {
  fromHubId: string;
  toHubId: string;
  durationSeconds: number;
  distanceMeters: number;
  etaSource: 'KAKAO' | 'ESTIMATE';
}

/** The order's route from its supplier's hub to its receiver's hub: the delivery subgraph creates its legs. */
export interface RoutePlanned {
  orderId: string;
  /** In path order; one hub (and no legs) when supplier and receiver share a hub. */
  hubs: RouteHub[];
  legs: RouteLegPlan[];
  totalDurationSeconds: number;
  totalDistanceMeters: number;
  destination: RouteDestination;
  productName: string;
  quantity: number;
  requestNote: string | null;
  /** The order's `createdAt`. */
  orderCreatedAt: string;
}

/** Why no route could be planned. */
export type RouteFailureReason = 'NO_PATH' | 'UNKNOWN_HUB';

/** No route joins the order's hubs: the order subgraph cancels the order (NO_ROUTE) and restores its stock. */
export interface RouteFailed {
  orderId: string;
  supplierHubId: string;
  receiverHubId: string;
  reason: RouteFailureReason;
}

export type HubEvents = {
  'route.planned': RoutePlanned;
  'route.failed': RouteFailed;
};
