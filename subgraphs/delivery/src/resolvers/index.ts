import type { Resolvers } from '../__generated__/resolvers-types.js';
import { DeliveryManager } from './DeliveryManager.js';
import { Hub } from './Hub.js';
import { Query } from './Query.js';
import { User } from './User.js';

export const resolvers: Resolvers = { Query, DeliveryManager, User, Hub };
