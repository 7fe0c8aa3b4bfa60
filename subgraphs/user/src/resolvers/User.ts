import type { UserResolvers } from '../__generated__/resolvers-types.js';
import { ref } from '../../../../lib/federation/index.js';

export const User: UserResolvers = {
  __resolveReference: (reference, ctx) => ctx.loaders.user.load(reference.id),
  hub: (user) => (user.hubId ? ref(user.hubId) : null),
  firm: (user) => (user.firmId ? ref(user.firmId) : null),
};
