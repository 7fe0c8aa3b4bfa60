/** Who is asking. Built by the gateway from an access token and carried to subgraphs in the passport. */
import { forbidden, unauthenticated } from '../errors/index.js';

export const ROLES = ['MASTER', 'HUB_MANAGER', 'DELIVERY_MANAGER', 'FIRM_MANAGER', 'MEMBER'] as const;
export type Role = (typeof ROLES)[number];

export interface AuthenticatedViewer {
  kind: 'user';
  userId: string;
  role: Role;
  hubId: string | null;
  firmId: string | null;
  /** The sign-in session (refresh-token family) the access token belongs to. */
  sessionId: string | null;
  /** The user's token version when the token was issued (lib/auth/sessions.ts). */
  tokenVersion: number;
}
export type Viewer = AuthenticatedViewer | { kind: 'anonymous' };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Throws UNAUTHENTICATED unless someone is signed in. */
export function requireViewer(viewer: Viewer): AuthenticatedViewer {
  if (viewer.kind !== 'user') throw unauthenticated();
  return viewer;
}

/** Throws UNAUTHENTICATED for anonymous callers and FORBIDDEN for signed-in callers without one of `roles`. */
export function requireRole(viewer: Viewer, ...roles: Role[]): AuthenticatedViewer {
  const user = requireViewer(viewer);
  if (!roles.includes(user.role)) throw forbidden(`Requires role ${roles.join(' or ')}`);
  return user;
}
