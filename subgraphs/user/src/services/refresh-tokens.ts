/**
 * Refresh tokens: opaque, single-use, stored (hashed) in the key-value store with a TTL.
 * Each sign-in starts a family (= a session, lib/auth/sessions.ts). Using a token rotates it: the old one is
 * marked used and a new one of the same family is issued. Presenting a used token again means it was stolen or
 * replayed, so the whole family is revoked and every holder must sign in again.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../../../../lib/infra/kv.js';
import type { SessionRegistry } from '../../../../lib/auth/sessions.js';
import { unauthenticated } from '../../../../lib/errors/index.js';
import { uuidv7 } from '../../../../lib/orm/columns.js';

interface TokenRecord {
  userId: string;
  familyId: string;
}

const tokenKey = (token: string) => `rt:${createHash('sha256').update(token).digest('base64url')}`;

export class RefreshTokenStore {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly sessions: SessionRegistry,
    private readonly ttlSeconds: number,
  ) {}

  private async issue(record: TokenRecord): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.kv.set(tokenKey(token), JSON.stringify(record), { ttlSeconds: this.ttlSeconds });
    return token;
  }

  /** Starts a new session family for a user and returns its first token. */
  async start(userId: string): Promise<{ token: string; familyId: string }> {
    const familyId = uuidv7();
    await this.sessions.start(familyId, userId);
    return { token: await this.issue({ userId, familyId }), familyId };
  }

  /** Consumes a token and returns its successor; reuse of a consumed token revokes the family. */
  async rotate(token: string): Promise<{ token: string; userId: string; familyId: string }> {
    const key = tokenKey(token);
    const raw = await this.kv.get(key);
    if (!raw) throw unauthenticated('Invalid or expired refresh token');
    const record = JSON.parse(raw) as TokenRecord;
    if (!(await this.sessions.isAlive(record.familyId))) throw unauthenticated('Session was signed out or revoked');
    // SET NX makes the claim atomic: of two concurrent uses of one token, exactly one wins.
    const claimed = await this.kv.set(`${key}:used`, '1', { onlyIfAbsent: true, ttlSeconds: this.ttlSeconds });
    if (!claimed) {
      await this.revoke(record.familyId);
      throw unauthenticated('Refresh token reuse detected; the session was revoked, sign in again');
    }
    // Keep the session alive as long as it is used.
    await this.sessions.touch(record.familyId, record.userId);
    return { token: await this.issue(record), userId: record.userId, familyId: record.familyId };
  }

  async revoke(familyId: string): Promise<void> {
    await this.sessions.end(familyId);
  }
}
