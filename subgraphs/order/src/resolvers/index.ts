import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Firm } from './Firm.js';
import { Hub } from './Hub.js';
import { Product } from './Product.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { Query, Firm, Product, Hub };
