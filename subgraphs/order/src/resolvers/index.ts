import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Firm } from './Firm.js';
import { Hub } from './Hub.js';
import { Mutation } from './Mutation.js';
import { Order } from './Order.js';
import { Product } from './Product.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { Query, Mutation, Firm, Product, Hub, Order };
