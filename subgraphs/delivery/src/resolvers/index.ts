import type { Resolvers } from '../__generated__/resolvers-types.js';
import { DeliveryManager, Hub, User } from './entities.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { Query, DeliveryManager, User, Hub };
