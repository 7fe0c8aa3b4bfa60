/**
 * `reservation.created` (locker → delivery, for an order to a locker): the compartment the last mile goes to. It
 * may arrive before `route.planned` (the locker reserves on `order.created`, as the hub plans), so it is remembered
 * for the delivery to come. Room reservations (`roomId`) are not deliveries and are ignored.
 */
import { z } from 'zod';
import type { EventHandler } from '../../../../lib/events/outbox.js';
import { DeliveryService } from '../services/deliveries.service.js';
import { readPayload } from './payload.js';

export const ReservationCreated = z.object({
  reservationId: z.guid(),
  lockerId: z.guid(),
  compartmentIndex: z.number().int().min(1),
  orderId: z.guid().nullish(),
  roomId: z.guid().nullish(),
});

export const onReservationCreated: EventHandler = async (event, em) => {
  const { orderId, reservationId, lockerId, compartmentIndex } = readPayload(ReservationCreated, event);
  if (!orderId) return;
  await new DeliveryService({ em }).recordReservation({ orderId, reservationId, lockerId, compartmentIndex });
};
