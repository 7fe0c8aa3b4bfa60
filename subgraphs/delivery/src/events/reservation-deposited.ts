/**
 * `reservation.deposited` (locker → delivery): the parcel is in the reserved compartment, so the last mile to the
 * locker is completed (and `delivery.completed` recorded). Room reservations are ignored.
 */
import { z } from 'zod';
import type { EventHandler } from '../../../../lib/events/outbox.js';
import { DeliveryService } from '../services/deliveries.service.js';
import { readPayload } from './payload.js';

export const ReservationDeposited = z.object({
  reservationId: z.guid(),
  orderId: z.guid().nullish(),
  roomId: z.guid().nullish(),
  depositedAt: z.iso.datetime({ offset: true }),
});

export const onReservationDeposited: EventHandler = async (event, em) => {
  const { orderId, reservationId, depositedAt } = readPayload(ReservationDeposited, event);
  if (!orderId) return;
  await new DeliveryService({ em }).completeByDeposit({ orderId, reservationId, depositedAt: new Date(depositedAt) });
};
