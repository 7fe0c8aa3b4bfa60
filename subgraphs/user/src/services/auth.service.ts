/**
 * Sign-up, sign-in, token refresh, sign-out and role approval. Transport-free: resolvers call it.
 */
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { Config } from '../../../../lib/config/index.js';
import { signAccessToken } from '../../../../lib/auth/tokens.js';
import { requireRole, type AuthenticatedViewer, type Role, type Viewer } from '../../../../lib/auth/viewer.js';
import { DomainError, ErrorCode, badInput, notFound, unauthenticated } from '../../../../lib/errors/index.js';
import { User } from '../entities/user.entity.js';
import {
  assertScopeFits,
  assertValidName,
  assertValidPassword,
  assertValidUsername,
} from '../domain/credentials.js';
import { dummyHash, hashPassword, verifyPassword } from './passwords.js';
import type { RefreshTokenStore } from './refresh-tokens.js';

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  user: User;
}

export interface SignUpInput {
  username: string;
  password: string;
  name: string;
  requestedRole?: Role | null;
  hubId?: string | null;
  firmId?: string | null;
}

const INVALID_CREDENTIALS = 'Invalid username or password';

export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly tokens: RefreshTokenStore,
    private readonly auth: Config['auth'],
  ) {}

  private async issue(user: User, existingFamily?: { token: string; familyId: string }): Promise<AuthResult> {
    const session = existingFamily ?? (await this.tokens.start(user.id));
    const viewer: AuthenticatedViewer = {
      kind: 'user',
      userId: user.id,
      role: user.role,
      hubId: user.hubId ?? null,
      firmId: user.firmId ?? null,
      sessionId: session.familyId,
    };
    const accessToken = await signAccessToken(viewer, {
      secret: this.auth.jwtSecret,
      ttlSeconds: this.auth.accessTokenTtlSeconds,
    });
    return { accessToken, refreshToken: session.token, user };
  }

  async signUp(input: SignUpInput): Promise<AuthResult> {
    const username = input.username.trim();
    assertValidUsername(username);
    assertValidPassword(input.password);
    assertValidName(input.name);
    const requested = input.requestedRole && input.requestedRole !== 'MEMBER' ? input.requestedRole : null;
    if (requested === 'MASTER') throw badInput('MASTER cannot be requested at sign-up', 'requestedRole');
    if (requested) assertScopeFits(requested, { hubId: input.hubId ?? null, firmId: input.firmId ?? null });

    if (await this.em.count(User, { username })) throw usernameTaken(username);
    // Sign-up never grants a privileged role by itself: the account is a MEMBER until approved.
    const user = this.em.create(User, {
      username,
      passwordHash: await hashPassword(input.password),
      name: input.name.trim(),
      role: 'MEMBER',
      status: 'ACTIVE',
      requestedRole: requested,
      hubId: requested ? (input.hubId ?? null) : null,
      firmId: requested ? (input.firmId ?? null) : null,
    });
    try {
      await this.em.flush();
    } catch (err) {
      // Two sign-ups raced past the count above; the unique index decides.
      if (err instanceof UniqueConstraintViolationException) throw usernameTaken(username);
      throw err;
    }
    return this.issue(user);
  }

  async signIn(username: string, password: string): Promise<AuthResult> {
    const user = await this.em.findOne(User, { username: username.trim() });
    // Hash even for unknown users: the answer and its timing must not reveal which usernames exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok) throw unauthenticated(INVALID_CREDENTIALS);
    if (user.status !== 'ACTIVE') throw unauthenticated(INVALID_CREDENTIALS);
    return this.issue(user);
  }

  async refresh(token: string): Promise<AuthResult> {
    const next = await this.tokens.rotate(token);
    const user = await this.em.findOne(User, { id: next.userId });
    if (!user || user.status !== 'ACTIVE') {
      await this.tokens.revoke(next.familyId);
      throw unauthenticated('Account is not active');
    }
    return this.issue(user, { token: next.token, familyId: next.familyId });
  }

  async signOut(viewer: Viewer): Promise<boolean> {
    if (viewer.kind !== 'user' || !viewer.sessionId) return false;
    await this.tokens.revoke(viewer.sessionId);
    return true;
  }

  async approve(
    viewer: Viewer,
    input: { userId: string; role?: Role | null; hubId?: string | null; firmId?: string | null },
  ): Promise<User> {
    requireRole(viewer, 'MASTER');
    const user = await this.em.findOne(User, { id: input.userId });
    if (!user) throw notFound('User', input.userId);
    const role = input.role ?? user.requestedRole;
    if (!role) throw badInput('The user requested no role; pass one', 'role');
    const scope = {
      hubId: role === 'HUB_MANAGER' || role === 'DELIVERY_MANAGER' ? (input.hubId ?? user.hubId ?? null) : null,
      firmId: role === 'FIRM_MANAGER' ? (input.firmId ?? user.firmId ?? null) : null,
    };
    assertScopeFits(role, scope);
    this.em.assign(user, { role, requestedRole: null, ...scope });
    await this.em.flush();
    return user;
  }

  /** Creates the configured bootstrap MASTER when no user has that name yet. */
  async ensureMaster(username: string, password: string): Promise<boolean> {
    assertValidUsername(username);
    assertValidPassword(password);
    if (await this.em.count(User, { username })) return false;
    this.em.create(User, {
      username,
      passwordHash: await hashPassword(password),
      name: 'Bootstrap Master',
      role: 'MASTER',
      status: 'ACTIVE',
    });
    await this.em.flush();
    return true;
  }
}

const usernameTaken = (username: string) =>
  new DomainError(ErrorCode.USERNAME_TAKEN, `Username "${username}" is already taken`, { field: 'username' });
