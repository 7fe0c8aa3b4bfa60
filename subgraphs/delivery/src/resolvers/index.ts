import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Delivery } from './Delivery.js';
import { DeliveryLeg } from './DeliveryLeg.js';
import { DeliveryManager } from './DeliveryManager.js';
import { Hub } from './Hub.js';
import { Mutation } from './Mutation.js';
import { Order } from './Order.js';
import { Query } from './Query.js';
import { Subscription } from './Subscription.js';
import { User } from './User.js';

export const resolvers: Resolvers = {
  Query,
  Mutation,
  Subscription,
  DeliveryManager,
  Delivery,
  DeliveryLeg,
  Order,
  User,
  Hub,
};
