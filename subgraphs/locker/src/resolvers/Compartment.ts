import type { CompartmentResolvers } from '../__generated__/resolvers-types.js';
import { compartmentState } from '../domain/compartment-state.js';

export const Compartment: CompartmentResolvers = {
  state: (compartment) => compartmentState(compartment),
};
