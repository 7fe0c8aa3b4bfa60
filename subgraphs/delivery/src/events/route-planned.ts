/**
 * `route.planned` (hub → delivery): the route of an order was found. Creates the delivery, its legs and their
 * managers, and records `delivery.created` — unless the order was cancelled first (then nothing is created).
 */
import { z } from 'zod';
import type { EventHandler } from '../../../../lib/events/outbox.js';
import { DeliveryService } from '../services/deliveries.service.js';
import { readPayload } from './payload.js';

const id = z.guid();
const seconds = z.number().int().min(0);

/** The payload as this subgraph reads it (docs/events.md §5); unknown fields are ignored. */
export const RoutePlanned = z.object({
  orderId: id,
  hubs: z.array(z.object({ hubId: id, name: z.string(), address: z.string() })).min(1),
  legs: z.array(
    z.object({
      fromHubId: id,
      toHubId: id,
      durationSeconds: seconds,
      distanceMeters: z.number().int().min(0),
      etaSource: z.enum(['KAKAO', 'ESTIMATE']),
    }),
  ),
  totalDurationSeconds: seconds,
  totalDistanceMeters: z.number().int().min(0),
  destination: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('FIRM'), firmId: id, name: z.string(), address: z.string() }),
    z.object({ kind: z.literal('LOCKER'), lockerId: id }),
  ]),
  productName: z.string(),
  quantity: z.number().int().min(1),
  requestNote: z.string().nullish(),
  orderCreatedAt: z.iso.datetime({ offset: true }),
  /** Not in the catalogue; read when a producer adds it (FIRM_MANAGERs of the supplier may then read the delivery). */
  supplierFirmId: id.nullish(),
});
export type RoutePlanned = z.infer<typeof RoutePlanned>;

export const onRoutePlanned: EventHandler = async (event, em) => {
  const route = readPayload(RoutePlanned, event);
  await new DeliveryService({ em }).createFromRoute({
    ...route,
    requestNote: route.requestNote ?? null,
    orderCreatedAt: new Date(route.orderCreatedAt),
    supplierFirmId: route.supplierFirmId ?? null,
  });
};
