/**
 * Reservations (docs/domain.md §9): a compartment held for an order's parcel or a room's group order, its deposit
 * (pickup codes issued), its pickup and its release on cancellation or expiry. Each change is written with its event
 * (outbox) in one transaction and announced to subscribers after commit.
 *
 * The `…In(em, …)` methods run inside a caller's transaction (an event handler's, or a device batch's); the others
 * open their own.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Config } from '../../../../lib/config/index.js';
import { requireViewer, type Viewer } from '../../../../lib/auth/viewer.js';
import { badInput, forbidden, notFound } from '../../../../lib/errors/index.js';
import type { EventRecorder } from '../../../../lib/events/outbox.js';
import { uuidv7 } from '../../../../lib/orm/columns.js';
import { canSeeReservation } from '../domain/access.js';
import { compartmentState } from '../domain/compartment-state.js';
import type { LockerEvents, ReservationFor } from '../domain/events.js';
import {
  HOLDING,
  releaseApplies,
  type RejectReason,
  type ReleaseReason,
  type ReservationTarget,
} from '../domain/reservations.js';
import type { Compartment } from '../entities/compartment.entity.js';
import { Locker } from '../entities/locker.entity.js';
import { PickupCredential } from '../entities/pickup-credential.entity.js';
import { Reservation } from '../entities/reservation.entity.js';
import { afterCommit, bumpRevision, findLocked, lockCompartments, lockLockers, snapshots } from './locker-store.js';
import type { PickupCodes } from './pickup-codes.js';
import type { LiveUpdates, LockerSnapshot } from './ports.js';

export interface ReservationDeps {
  outbox: EventRecorder<LockerEvents>;
  codes: PickupCodes;
  live: LiveUpdates;
  settings: Config['lockers'];
}

export type ReserveOutcome =
  { ok: true; reservation: Reservation; created: boolean } | { ok: false; reason: RejectReason };

export interface RevealedCodes {
  reservation: Reservation;
  pin: string;
  qrToken: string;
  expiresAt: Date;
}

/** What the reservation is for, as its events name it. */
export const reservationFor = (r: { orderId?: string | null; roomId?: string | null }): ReservationFor =>
  r.orderId ? { orderId: r.orderId } : { roomId: r.roomId! };
/** Reservation events are ordered per order or room. */
const eventKey = (r: { orderId?: string | null; roomId?: string | null }) => (r.orderId ?? r.roomId)!;

export class ReservationService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: ReservationDeps,
  ) {}

  /**
   * Holds the lowest-numbered AVAILABLE compartment of the locker for `target` until `expiresAt`, atomically
   * (the locker's row is locked while choosing). An order already holding one gets it back (idempotent); an unknown
   * locker or a full one is refused, and the refusal is an event too (`reservation.rejected`).
   */
  reserve(
    lockerId: string,
    target: ReservationTarget,
    options: { expiresAt: Date; recipientId?: string | null },
  ): Promise<ReserveOutcome> {
    return this.em.transactional((em) => this.reserveIn(em, lockerId, target, options));
  }

  async reserveIn(
    em: EntityManager,
    lockerId: string,
    target: ReservationTarget,
    options: { expiresAt: Date; recipientId?: string | null },
  ): Promise<ReserveOutcome> {
    if (Boolean(target.orderId) === Boolean(target.roomId)) throw badInput('Reserve for an order or a room', 'target');
    if (options.expiresAt.getTime() <= Date.now()) throw badInput('expiresAt must lie in the future', 'expiresAt');
    const { outbox } = this.deps;
    if (target.orderId) {
      const existing = await em.findOne(Reservation, { orderId: target.orderId });
      if (existing) return { ok: true, reservation: existing, created: false };
    }
    const reject = (reason: RejectReason): ReserveOutcome => {
      outbox.record(em, 'reservation.rejected', eventKey(target), { ...reservationFor(target), lockerId, reason });
      return { ok: false, reason };
    };
    const [locker] = await lockLockers(em, [lockerId]);
    if (!locker) return reject('UNKNOWN_LOCKER');
    const compartments = await lockCompartments(em, [lockerId]);
    const free = compartments.get(lockerId)!.find((c) => compartmentState(c) === 'AVAILABLE');
    if (!free) return reject('NO_FREE_COMPARTMENT');

    free.reserved = true;
    bumpRevision(locker, new Set());
    const reservation = em.create(Reservation, {
      id: uuidv7(),
      lockerId,
      compartmentId: free.id,
      compartmentIndex: free.index,
      orderId: target.orderId ?? null,
      roomId: target.roomId ?? null,
      recipientId: options.recipientId ?? null,
      status: 'ACTIVE',
      expiresAt: options.expiresAt,
      createdAt: new Date(),
    });
    outbox.record(em, 'reservation.created', eventKey(target), {
      ...reservationFor(target),
      reservationId: reservation.id,
      lockerId,
      compartmentId: free.id,
      compartmentIndex: free.index,
      expiresAt: options.expiresAt.toISOString(),
    });
    await em.flush();
    this.announce(em, snapshots([locker], compartments));
    return { ok: true, reservation, created: true };
  }

  /** Releases what `target` holds (see releaseApplies); returns how many reservations ended. Idempotent. */
  release(target: ReservationTarget, reason: ReleaseReason): Promise<number> {
    return this.em.transactional((em) => this.releaseIn(em, target, reason));
  }

  async releaseIn(em: EntityManager, target: ReservationTarget, reason: ReleaseReason, at = new Date()) {
    const where = target.orderId ? { orderId: target.orderId } : { roomId: target.roomId! };
    const candidates = await em.find(Reservation, { ...where, status: { $in: [...HOLDING] } });
    return this.releaseIds(
      em,
      candidates.map((r) => r.id),
      reason,
      at,
    );
  }

  /**
   * Releases holding reservations whose time ran out (ACTIVE: no parcel came; DEPOSITED: its codes expired and staff
   * must empty the compartment). At most `limit` per call; returns how many ended.
   */
  async sweepExpired(now = new Date(), limit = 100): Promise<number> {
    const due = await this.em.find(
      Reservation,
      { status: { $in: [...HOLDING] }, expiresAt: { $lte: now } },
      { orderBy: { expiresAt: 'asc' }, limit, fields: ['id'] },
    );
    if (!due.length) return 0;
    return this.em.transactional((em) =>
      this.releaseIds(
        em,
        due.map((r) => r.id),
        'EXPIRED',
        now,
        now,
      ),
    );
  }

  /** Ends the holding reservations among `ids` that `reason` applies to, re-read after their lockers are locked. */
  private async releaseIds(em: EntityManager, ids: string[], reason: ReleaseReason, at: Date, dueBy?: Date) {
    if (!ids.length) return 0;
    const first = await em.find(Reservation, { id: { $in: ids } }, { fields: ['lockerId'] });
    const lockers = await lockLockers(
      em,
      first.map((r) => r.lockerId),
    );
    const current = await findLocked(em, Reservation, {
      id: { $in: ids },
      status: { $in: [...HOLDING] },
      ...(dueBy ? { expiresAt: { $lte: dueBy } } : {}),
    });
    const ending = current.filter((r) => releaseApplies(r.status, reason));
    if (!ending.length) return 0;
    const compartments = await lockCompartments(
      em,
      lockers.map((l) => l.id),
    );
    const bumped = new Set<string>();
    for (const reservation of ending) {
      const compartment = compartments.get(reservation.lockerId)?.find((c) => c.id === reservation.compartmentId);
      if (compartment) compartment.reserved = false;
      em.assign(reservation, { status: 'RELEASED', releasedAt: at, releaseReason: reason });
      await this.revokeCodes(em, reservation.id, at);
      bumpRevision(
        lockers.find((l) => l.id === reservation.lockerId)!,
        bumped,
      );
      this.deps.outbox.record(em, 'reservation.released', eventKey(reservation), {
        ...reservationFor(reservation),
        reservationId: reservation.id,
        reason,
        releasedAt: at.toISOString(),
      });
    }
    await em.flush();
    this.announce(
      em,
      snapshots(
        lockers.filter((l) => bumped.has(l.id)),
        compartments,
      ),
    );
    return ending.length;
  }

  /**
   * The parcel arrived (a DEPOSITED event for this ACTIVE reservation): codes are issued, valid until the pickup
   * deadline. `takenPinHashes` are the locker's live PIN hashes (a new PIN must differ from them); it grows.
   */
  depositIn(em: EntityManager, reservation: Reservation, at: Date, takenPinHashes: Set<string>): void {
    const expiresAt = new Date(at.getTime() + this.deps.settings.pickupCodeTtlSeconds * 1000);
    em.assign(reservation, { status: 'DEPOSITED', depositedAt: at, expiresAt });
    this.issueCodes(em, reservation, expiresAt, takenPinHashes, { sealed: true });
    this.deps.outbox.record(em, 'reservation.deposited', eventKey(reservation), {
      ...reservationFor(reservation),
      reservationId: reservation.id,
      lockerId: reservation.lockerId,
      compartmentIndex: reservation.compartmentIndex,
      depositedAt: at.toISOString(),
    });
  }

  /** The door closed on the empty compartment of a DEPOSITED reservation: the parcel is gone, the codes too. */
  async pickedUpIn(em: EntityManager, reservation: Reservation, compartment: Compartment, at: Date): Promise<void> {
    compartment.reserved = false;
    em.assign(reservation, { status: 'PICKED_UP', pickedUpAt: at, pickedUpBy: reservation.openedBy ?? null });
    await this.revokeCodes(em, reservation.id, at);
    this.deps.outbox.record(em, 'reservation.pickedUp', eventKey(reservation), {
      ...reservationFor(reservation),
      reservationId: reservation.id,
      lockerId: reservation.lockerId,
      compartmentIndex: reservation.compartmentIndex,
      pickedUpBy: reservation.openedBy ?? null,
      pickedUpAt: at.toISOString(),
    });
  }

  /** The live PIN hashes of these lockers (to keep a new PIN unique at its locker). */
  async livePinHashes(em: EntityManager, lockerIds: readonly string[], now = new Date()) {
    const rows = await em.find(
      PickupCredential,
      { lockerId: { $in: [...lockerIds] }, usedAt: null, revokedAt: null, expiresAt: { $gt: now } },
      { fields: ['lockerId', 'pinHash'] },
    );
    const byLocker = new Map<string, Set<string>>(lockerIds.map((id) => [id, new Set()]));
    for (const row of rows) byLocker.get(row.lockerId)?.add(row.pinHash);
    return byLocker;
  }

  /** A reservation, if the viewer may see it (the locker's staff, its recipient); else null. */
  async get(viewer: Viewer, id: string): Promise<Reservation | null> {
    const user = requireViewer(viewer);
    const reservation = await this.em.findOne(Reservation, { id });
    if (!reservation) return null;
    const locker = await this.em.findOne(Locker, { id: reservation.lockerId });
    return locker && canSeeReservation(user, reservation, locker.hubId) ? reservation : null;
  }

  /** The viewer's parcels held or waiting in lockers. */
  mine(viewer: Viewer): Promise<Reservation[]> {
    const user = requireViewer(viewer);
    return this.em.find(
      Reservation,
      { recipientId: user.userId, status: { $in: [...HOLDING] } },
      { orderBy: { createdAt: 'desc' } },
    );
  }

  /** `reservation` as the viewer may see it on a compartment of a locker in `hubId`: itself, or null. */
  visible(viewer: Viewer, reservation: Reservation | null, hubId: string): Reservation | null {
    const user = requireViewer(viewer);
    return reservation && canSeeReservation(user, reservation, hubId) ? reservation : null;
  }

  /**
   * The recipient reads the pickup codes of a DEPOSITED reservation: the sealed ones issued at deposit, the first
   * time; new ones (revoking the old) on any later call, since codes are never kept readable.
   */
  async revealCode(viewer: Viewer, reservationId: string): Promise<RevealedCodes> {
    const user = requireViewer(viewer);
    const found = await this.em.findOne(Reservation, { id: reservationId });
    if (!found) throw notFound('Reservation', reservationId);
    if (found.recipientId !== user.userId) throw forbidden('Only the recipient may read the pickup codes');
    const now = new Date();
    const revealed = await this.em.transactional(async (em) => {
      const [locker] = await lockLockers(em, [found.lockerId]);
      const [reservation] = await findLocked(em, Reservation, { id: reservationId });
      if (!locker || reservation?.status !== 'DEPOSITED' || reservation.expiresAt <= now) {
        throw badInput('No parcel is waiting for pickup in this reservation', 'reservationId');
      }
      const [waiting] = await findLocked(em, PickupCredential, {
        reservationId,
        usedAt: null,
        revokedAt: null,
        sealed: { $ne: null },
        expiresAt: { $gt: now },
      });
      if (waiting?.sealed) {
        const codes = this.deps.codes.unseal(waiting.sealed);
        waiting.sealed = null;
        return { reservation, ...codes, expiresAt: waiting.expiresAt };
      }
      await this.revokeCodes(em, reservationId, now);
      const taken = (await this.livePinHashes(em, [locker.id], now)).get(locker.id)!;
      const codes = this.issueCodes(em, reservation, reservation.expiresAt, taken, { sealed: false });
      return { reservation, ...codes, expiresAt: reservation.expiresAt };
    });
    return revealed;
  }

  private issueCodes(
    em: EntityManager,
    reservation: Reservation,
    expiresAt: Date,
    taken: Set<string>,
    options: { sealed: boolean },
  ) {
    const { codes } = this.deps;
    let pin = codes.newPin();
    let pinHash = codes.pinHash(reservation.lockerId, pin);
    while (taken.has(pinHash)) {
      pin = codes.newPin();
      pinHash = codes.pinHash(reservation.lockerId, pin);
    }
    taken.add(pinHash);
    const id = uuidv7();
    const qrToken = codes.newQrToken(id);
    em.create(PickupCredential, {
      id,
      reservationId: reservation.id,
      lockerId: reservation.lockerId,
      pinHash,
      qrTokenHash: codes.qrTokenHash(qrToken),
      sealed: options.sealed ? codes.seal({ pin, qrToken }) : null,
      expiresAt,
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(),
    });
    return { pin, qrToken };
  }

  private async revokeCodes(em: EntityManager, reservationId: string, at: Date) {
    await em.nativeUpdate(PickupCredential, { reservationId, usedAt: null, revokedAt: null }, { revokedAt: at });
  }

  private announce(em: EntityManager, changed: LockerSnapshot[]) {
    if (!changed.length) return;
    afterCommit(em, () => {
      this.deps.live.lockersChanged(changed).catch(() => undefined);
    });
  }
}
