import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Compartment } from './Compartment.js';
import { Hub } from './Hub.js';
import { Locker } from './Locker.js';
import { LockerCommand } from './LockerCommand.js';
import { Mutation } from './Mutation.js';
import { Query } from './Query.js';
import { Reservation } from './Reservation.js';
import { Subscription } from './Subscription.js';

export const resolvers: Resolvers = {
  Query,
  Mutation,
  Subscription,
  Locker,
  Compartment,
  Hub,
  Reservation,
  LockerCommand,
};
