import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Compartment, Hub, Locker } from './entities.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { Query, Locker, Compartment, Hub };
