import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Hub, HubLink } from './Hub.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { Query, Hub, HubLink };
