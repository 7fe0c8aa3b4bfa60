import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Compartment } from './Compartment.js';
import { Hub } from './Hub.js';
import { Locker } from './Locker.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { Query, Locker, Compartment, Hub };
