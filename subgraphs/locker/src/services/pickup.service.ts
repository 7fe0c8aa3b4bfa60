/**
 * Opening compartments (docs/domain.md §9): with a pickup code (the recipient's PIN or QR token), or with a staff
 * role. The code is checked on the platform and never sent to the device; the device gets an OPEN command and the
 * code is used up only when it acknowledges (commands.service.ts).
 */
import type { EntityManager } from '@mikro-orm/core';
import { requireViewer, type Viewer } from '../../../../lib/auth/viewer.js';
import { DomainError, ErrorCode, badInput, forbidden, notFound } from '../../../../lib/errors/index.js';
import type { RateLimitPolicy, RateLimiter } from '../../../../lib/ratelimit/index.js';
import { isLockerStaff } from '../domain/access.js';
import { Compartment } from '../entities/compartment.entity.js';
import { Locker } from '../entities/locker.entity.js';
import { PickupCredential } from '../entities/pickup-credential.entity.js';
import { Reservation } from '../entities/reservation.entity.js';
import type { CommandService } from './commands.service.js';
import { isPin, type PickupCodes } from './pickup-codes.js';
import { PICKUP_FAILURES_PER_LOCKER, PICKUP_FAILURES_PER_USER } from './pickup-limits.js';

export interface PickupDeps {
  codes: PickupCodes;
  limiter: RateLimiter;
  commands: CommandService;
}

const invalidCode = () =>
  new DomainError(ErrorCode.INVALID_PICKUP_CODE, 'This code does not open anything at this locker');

/** RATE_LIMITED from a pickup budget, as the pickup's own code (same retryAfterSeconds). */
function lockedOut(err: unknown): never {
  if (err instanceof DomainError && err.code === ErrorCode.RATE_LIMITED) {
    throw new DomainError(ErrorCode.PICKUP_LOCKED_OUT, 'Too many wrong pickup codes; try again later', err.details);
  }
  throw err;
}

export class PickupService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: PickupDeps,
  ) {}

  /**
   * Opens the compartment `code` belongs to. Wrong, used and expired codes are all INVALID_PICKUP_CODE (and count
   * towards the lockout); a locked-out user or locker gets PICKUP_LOCKED_OUT even with a good code. DEVICE_TIMEOUT
   * leaves the code valid.
   */
  async open(viewer: Viewer, lockerId: string, code: string): Promise<Compartment> {
    const user = requireViewer(viewer);
    const budgets: [RateLimitPolicy, string][] = [
      [PICKUP_FAILURES_PER_USER, `${user.userId}:${lockerId}`],
      [PICKUP_FAILURES_PER_LOCKER, lockerId],
    ];
    const { limiter, commands } = this.deps;
    await Promise.all(budgets.map(([policy, key]) => limiter.check(policy, key))).catch(lockedOut);

    const credential = await this.findCredential(lockerId, code);
    const reservation =
      credential && (await this.em.findOne(Reservation, { id: credential.reservationId, status: 'DEPOSITED' }));
    if (!credential || !reservation) {
      for (const [policy, key] of budgets) await limiter.consume(policy, key).catch(lockedOut);
      throw invalidCode();
    }
    await commands.open({
      lockerId,
      index: reservation.compartmentIndex,
      purpose: 'PICKUP',
      actorId: user.userId,
      reservationId: reservation.id,
      credentialId: credential.id,
    });
    await limiter.reset(PICKUP_FAILURES_PER_USER, budgets[0]![1]);
    return this.em.findOneOrFail(Compartment, { id: reservation.compartmentId }, { refresh: true });
  }

  /** Staff open one compartment with their role (MASTER, the locker hub's HUB_MANAGER or DELIVERY_MANAGER). */
  async staffOpen(viewer: Viewer, lockerId: string, index: number): Promise<Compartment> {
    const user = requireViewer(viewer);
    const locker = await this.em.findOne(Locker, { id: lockerId });
    if (!locker) throw notFound('Locker', lockerId);
    if (!isLockerStaff(user, locker.hubId)) throw forbidden('Only staff of this locker’s hub may open it by role');
    const compartment = await this.em.findOne(Compartment, { lockerId, index });
    if (!compartment) throw badInput(`The locker has no compartment ${index}`, 'index');
    await this.deps.commands.open({ lockerId, index, purpose: 'STAFF', actorId: user.userId });
    return this.em.findOneOrFail(Compartment, { id: compartment.id }, { refresh: true });
  }

  /** The live code `code` is, at this locker: a PIN by its keyed hash, a QR token by its signature and hash. */
  private async findCredential(lockerId: string, code: string): Promise<PickupCredential | null> {
    const { codes } = this.deps;
    const live = { lockerId, usedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } };
    if (isPin(code)) return this.em.findOne(PickupCredential, { ...live, pinHash: codes.pinHash(lockerId, code) });
    const credentialId = codes.verifyQrToken(code);
    if (!credentialId) return null;
    return this.em.findOne(PickupCredential, { ...live, id: credentialId, qrTokenHash: codes.qrTokenHash(code) });
  }
}
