import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Hub } from './Hub.js';
import { HubLink } from './HubLink.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { Query, Hub, HubLink };
