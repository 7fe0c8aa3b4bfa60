import type { EntityManager } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { byIdLoader, groupLoader } from '../../../../lib/orm/loaders.js';
import { HOLDING } from '../domain/reservations.js';
import { Compartment } from '../entities/compartment.entity.js';
import { Locker } from '../entities/locker.entity.js';
import { PickupCredential } from '../entities/pickup-credential.entity.js';
import { Reservation } from '../entities/reservation.entity.js';

function buildLoaders(em: EntityManager) {
  return {
    locker: () => byIdLoader(em, Locker),
    lockersByHub: () => groupLoader(em, Locker, 'hubId', { name: 'asc' }),
    compartmentsByLocker: () => groupLoader(em, Compartment, 'lockerId', { index: 'asc' }),
    /** The reservation holding each compartment (ACTIVE or DEPOSITED), or null. */
    holdingReservation: () =>
      new DataLoader<string, Reservation | null>(async (compartmentIds) => {
        const rows = await em.find(Reservation, {
          compartmentId: { $in: [...compartmentIds] },
          status: { $in: [...HOLDING] },
        });
        const byCompartment = new Map(rows.map((r) => [r.compartmentId, r]));
        return compartmentIds.map((id) => byCompartment.get(id) ?? null);
      }),
    /** Whether codes sealed for their recipient are waiting to be read, per reservation. */
    codeWaiting: () =>
      new DataLoader<string, boolean>(async (reservationIds) => {
        const rows = await em.find(
          PickupCredential,
          {
            reservationId: { $in: [...reservationIds] },
            sealed: { $ne: null },
            usedAt: null,
            revokedAt: null,
            expiresAt: { $gt: new Date() },
          },
          { fields: ['reservationId'] },
        );
        const waiting = new Set(rows.map((r) => r.reservationId));
        return reservationIds.map((id) => waiting.has(id));
      }),
  };
}

export type LockerLoaders = {
  [K in keyof ReturnType<typeof buildLoaders>]: ReturnType<ReturnType<typeof buildLoaders>[K]>;
};

/**
 * The request's DataLoaders, each built on first use: a subscription gets a context per event, and an event uses
 * at most two of them.
 */
export function createLockerLoaders(em: EntityManager): LockerLoaders {
  const builders = buildLoaders(em);
  const built: Partial<LockerLoaders> = {};
  const loaders = {} as LockerLoaders;
  for (const name of Object.keys(builders) as (keyof LockerLoaders)[]) {
    Object.defineProperty(loaders, name, {
      enumerable: true,
      get: () => (built[name] ??= builders[name]() as never),
    });
  }
  return loaders;
}
