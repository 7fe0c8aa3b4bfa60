/**
 * Device keys for locker gateways that post GraphQL mutations instead of speaking MQTT (docs/mqtt-protocol.md,
 * "Authentication"). A key is 32 random bytes shown once; only its SHA-256 is stored. It acts for its own locker
 * only, as the broker's ACL does for MQTT, and wrong keys for a locker are rate-limited.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { requireRole, type Viewer } from '../../../../lib/auth/viewer.js';
import { notFound, unauthenticated } from '../../../../lib/errors/index.js';
import type { RateLimiter } from '../../../../lib/ratelimit/index.js';
import { uuidv7 } from '../../../../lib/orm/columns.js';
import { DeviceCredential } from '../entities/device-credential.entity.js';
import { Locker } from '../entities/locker.entity.js';
import { DEVICE_KEY_FAILURES } from './pickup-limits.js';

const KEY_PREFIX = 'hgdk_';
const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export interface IssuedDeviceKey {
  id: string;
  lockerId: string;
  key: string;
  createdAt: Date;
}

export class DeviceKeyService {
  constructor(
    private readonly em: EntityManager,
    private readonly limiter: RateLimiter,
  ) {}

  /** MASTER: a new key for the locker (its earlier keys stop working), returned once. */
  async register(viewer: Viewer, lockerId: string): Promise<IssuedDeviceKey> {
    requireRole(viewer, 'MASTER');
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    return this.em.transactional(async (em) => {
      const locker = await em.findOne(Locker, { id: lockerId });
      if (!locker) throw notFound('Locker', lockerId);
      const now = new Date();
      await em.nativeUpdate(DeviceCredential, { lockerId, revokedAt: null }, { revokedAt: now });
      const credential = em.create(DeviceCredential, {
        id: uuidv7(),
        lockerId,
        keyHash: hashKey(key),
        createdAt: now,
        revokedAt: null,
      });
      return { id: credential.id, lockerId, key, createdAt: now };
    });
  }

  /**
   * Passes when `key` is a live key of `lockerId`; otherwise UNAUTHENTICATED (a key of another locker is as wrong as
   * a made-up one). After too many wrong keys for the locker, RATE_LIMITED until the lockout ends.
   */
  async authenticate(lockerId: string, key: string): Promise<void> {
    await this.limiter.check(DEVICE_KEY_FAILURES, lockerId);
    const credential = key.startsWith(KEY_PREFIX)
      ? await this.em.findOne(DeviceCredential, { keyHash: hashKey(key), lockerId, revokedAt: null })
      : null;
    if (credential) return;
    await this.limiter.consume(DEVICE_KEY_FAILURES, lockerId);
    throw unauthenticated('Invalid device key for this locker');
  }
}
