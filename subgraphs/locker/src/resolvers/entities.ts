import type { CompartmentResolvers, HubResolvers, LockerResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';
import { compartmentState } from '../domain/compartment-state.js';

export const Locker: LockerResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.locker.load(reference.id),
  hub: (locker) => ref(locker.hubId),
  compartments: (locker, _args, ctx) => ctx.loaders.compartmentsByLocker.load(locker.id),
};

export const Compartment: CompartmentResolvers = {
  state: (compartment) => compartmentState(compartment),
};

export const Hub: HubResolvers = {
  lockers: (hub, _args, ctx) => ctx.loaders.lockersByHub.load(hub.id),
};
