import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Firm, Hub, Product } from './entities.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { Query, Firm, Product, Hub };
