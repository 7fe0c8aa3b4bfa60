/**
 * Sign-up, sign-in, token refresh and sign-out. Transport-free: resolvers call it.
 */
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { Config } from '../../../../lib/config/index.js';
import { signAccessToken } from '../../../../lib/auth/tokens.js';
import type { AuthenticatedViewer, Role, Viewer } from '../../../../lib/auth/viewer.js';
import { DomainError, ErrorCode, badInput, unauthenticated } from '../../../../lib/errors/index.js';
import type { RateLimiter } from '../../../../lib/ratelimit/index.js';
import { User } from '../entities/user.entity.js';
import { assertScopeFits, assertValidName, assertValidPassword, assertValidUsername } from '../domain/credentials.js';
import { AUTH_LIMITS } from './auth-limits.js';
import { dummyHash, hashPassword, verifyPassword } from './passwords.js';
import type { RefreshTokenStore } from './refresh-tokens.js';
import type { ScopeDirectory } from './scope-directory.js';

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

export interface AuthServiceDeps {
  em: EntityManager;
  tokens: RefreshTokenStore;
  auth: Config['auth'];
  limiter: RateLimiter;
  scopes: ScopeDirectory;
  /** The caller's address as the gateway saw it; null for the platform's own calls (no per-address limit). */
  clientAddress: string | null;
}

const INVALID_CREDENTIALS = 'Invalid username or password';

export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  private async issue(user: User, existingFamily?: { token: string; familyId: string }): Promise<AuthResult> {
    const session = existingFamily ?? (await this.deps.tokens.start(user.id));
    const viewer: AuthenticatedViewer = {
      kind: 'user',
      userId: user.id,
      role: user.role,
      hubId: user.hubId ?? null,
      firmId: user.firmId ?? null,
      sessionId: session.familyId,
      // Read from the same row as the role: a token never pairs a new version with an old role.
      tokenVersion: user.tokenVersion,
    };
    const accessToken = await signAccessToken(viewer, {
      secret: this.deps.auth.jwtSecret,
      ttlSeconds: this.deps.auth.accessTokenTtlSeconds,
    });
    return { accessToken, refreshToken: session.token, user };
  }

  /** Spends one point per policy for the caller's address, when the caller has one. */
  private async perAddress(policy: (typeof AUTH_LIMITS)[keyof typeof AUTH_LIMITS]): Promise<void> {
    if (this.deps.clientAddress) await this.deps.limiter.consume(policy, this.deps.clientAddress);
  }

  async signUp(input: SignUpInput): Promise<AuthResult> {
    await this.perAddress(AUTH_LIMITS.signUpPerAddress);
    const username = input.username.trim();
    assertValidUsername(username);
    assertValidPassword(input.password);
    assertValidName(input.name);
    const requested = input.requestedRole && input.requestedRole !== 'MEMBER' ? input.requestedRole : null;
    if (requested === 'MASTER') throw badInput('MASTER cannot be requested at sign-up', 'requestedRole');
    const scope = {
      hubId: requested ? (input.hubId ?? null) : null,
      firmId: requested ? (input.firmId ?? null) : null,
    };
    if (requested) {
      assertScopeFits(requested, scope);
      const missing = await this.deps.scopes.missing(scope);
      if (missing) throw badInput(`No ${missing === 'hubId' ? 'hub' : 'firm'} has the id ${scope[missing]}`, missing);
    }

    const { em } = this.deps;
    if (await em.count(User, { username })) throw usernameTaken(username);
    // Sign-up never grants a privileged role by itself: the account is a MEMBER until approved.
    const user = em.create(User, {
      username,
      passwordHash: await hashPassword(input.password),
      name: input.name.trim(),
      role: 'MEMBER',
      status: 'ACTIVE',
      requestedRole: requested,
      ...scope,
    });
    try {
      await em.flush();
    } catch (err) {
      // Two sign-ups raced past the count above; the unique index decides.
      if (err instanceof UniqueConstraintViolationException) throw usernameTaken(username);
      throw err;
    }
    return this.issue(user);
  }

  /**
   * Checks the budgets before the (deliberately slow) password hash, so guessing costs the guesser, not the
   * platform. Unknown usernames go through the same limits and the same hash: neither the answer, its timing nor
   * a lockout reveals which usernames exist.
   */
  async signIn(usernameInput: string, password: string): Promise<AuthResult> {
    const { limiter, clientAddress, em } = this.deps;
    const username = usernameInput.trim().toLowerCase();
    const pair = `${username}|${clientAddress ?? '-'}`;
    await limiter.check(AUTH_LIMITS.failuresPerUsernameAndAddress, pair);
    await limiter.check(AUTH_LIMITS.failuresPerUsername, username);
    await this.perAddress(AUTH_LIMITS.signInPerAddress);
    await limiter.consume(AUTH_LIMITS.signInPerUsername, username);

    const user = await em.findOne(User, { username });
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok || user.status !== 'ACTIVE') {
      await limiter.consume(AUTH_LIMITS.failuresPerUsernameAndAddress, pair);
      await limiter.consume(AUTH_LIMITS.failuresPerUsername, username);
      throw unauthenticated(INVALID_CREDENTIALS);
    }
    await limiter.reset(AUTH_LIMITS.failuresPerUsernameAndAddress, pair);
    return this.issue(user);
  }

  async refresh(token: string): Promise<AuthResult> {
    await this.perAddress(AUTH_LIMITS.refreshPerAddress);
    const next = await this.deps.tokens.rotate(token);
    const user = await this.deps.em.findOne(User, { id: next.userId });
    if (!user || user.status !== 'ACTIVE') {
      await this.deps.tokens.revoke(next.familyId);
      throw unauthenticated('Account is not active');
    }
    return this.issue(user, { token: next.token, familyId: next.familyId });
  }

  async signOut(viewer: Viewer): Promise<boolean> {
    if (viewer.kind !== 'user' || !viewer.sessionId) return false;
    await this.deps.tokens.revoke(viewer.sessionId);
    return true;
  }

  /** Creates the configured bootstrap MASTER when no user has that name yet. */
  async ensureMaster(username: string, password: string): Promise<boolean> {
    assertValidUsername(username);
    assertValidPassword(password);
    const { em } = this.deps;
    if (await em.count(User, { username })) return false;
    em.create(User, {
      username,
      passwordHash: await hashPassword(password),
      name: 'Bootstrap Master',
      role: 'MASTER',
      status: 'ACTIVE',
    });
    await em.flush();
    return true;
  }
}

const usernameTaken = (username: string) =>
  new DomainError(ErrorCode.USERNAME_TAKEN, `Username "${username}" is already taken`, { field: 'username' });
