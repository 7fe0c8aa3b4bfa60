import type { LockerCommandResolvers } from '../__generated__/resolvers-types.js';

export const LockerCommand: LockerCommandResolvers = {
  commandId: (command) => command.id,
  compartment: (command) => command.compartmentIndex,
  expiresAt: (command) => command.expiresAt.getTime(),
};
