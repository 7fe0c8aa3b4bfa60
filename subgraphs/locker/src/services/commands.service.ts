/**
 * Commands to lockers and their acks (docs/mqtt-protocol.md `commands`, `acks`). A command is a row first (PENDING,
 * with its deadline), then a message; it is settled exactly once, under the row's lock: by the first ack before the
 * deadline, wherever it lands (any replica, MQTT or the device-key mutation), or by the waiting platform at the
 * deadline (TIMED_OUT → DEVICE_TIMEOUT). A successful command's effects (the pickup code used up, who opened the
 * compartment) are written in the ack's transaction, so a command that times out or is refused changes nothing.
 */
import { LockMode, type EntityManager } from '@mikro-orm/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError, ErrorCode } from '../../../../lib/errors/index.js';
import { uuidv7 } from '../../../../lib/orm/columns.js';
import { isHolding } from '../domain/reservations.js';
import { LockerCommand, type CommandPurpose } from '../entities/locker-command.entity.js';
import { PickupCredential } from '../entities/pickup-credential.entity.js';
import { Reservation } from '../entities/reservation.entity.js';
import { bumpRevision, findLocked, lockCompartments, lockLockers, snapshots } from './locker-store.js';
import type { DeviceCommandPort, LiveUpdates, LockerSnapshot } from './ports.js';

export interface CommandDeps {
  port: DeviceCommandPort;
  live: LiveUpdates;
  /** How long a device has to acknowledge, in milliseconds. */
  timeoutMs: number;
}

export interface OpenRequest {
  lockerId: string;
  index: number;
  purpose: CommandPurpose;
  actorId: string;
  reservationId?: string | null;
  credentialId?: string | null;
}

/** What an ack did: settled its command, or was ignored (late, repeated, or naming no command of that locker). */
export type AckOutcome = 'settled' | 'late' | 'repeated' | 'unknown';

export interface Ack {
  commandId: string;
  ok: boolean;
  error?: string | null;
}

export class CommandService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps: CommandDeps,
  ) {}

  /**
   * Sends OPEN for one compartment and waits for the device's ack until the deadline. Resolves when the device
   * acknowledged it; throws DEVICE_TIMEOUT (no ack in time) or DEVICE_REFUSED (ok: false), having changed nothing.
   */
  async open(request: OpenRequest): Promise<void> {
    const { port, live, timeoutMs } = this.deps;
    const expiresAt = new Date(Date.now() + timeoutMs);
    const command = this.em.create(LockerCommand, {
      id: uuidv7(),
      lockerId: request.lockerId,
      type: 'OPEN',
      compartmentIndex: request.index,
      purpose: request.purpose,
      actorId: request.actorId,
      reservationId: request.reservationId ?? null,
      credentialId: request.credentialId ?? null,
      status: 'PENDING',
      deviceError: null,
      expiresAt,
      createdAt: new Date(),
      settledAt: null,
    });
    await this.em.flush();
    const watch = await live.watchCommand(command.id);
    try {
      port.send(request.lockerId, {
        commandId: command.id,
        type: 'OPEN',
        compartment: request.index,
        expiresAt: expiresAt.getTime(),
      });
      const wait = new AbortController();
      await Promise.race([
        watch.settled,
        sleep(Math.max(0, expiresAt.getTime() - Date.now()), undefined, { signal: wait.signal }).catch(() => {}),
      ]);
      wait.abort();
    } finally {
      await watch.close();
    }
    // Settle it as timed out unless an ack settled it first (the row lock orders the two).
    await this.em.nativeUpdate(
      LockerCommand,
      { id: command.id, status: 'PENDING' },
      { status: 'TIMED_OUT', settledAt: new Date() },
    );
    const settled = await this.em.findOneOrFail(LockerCommand, { id: command.id }, { refresh: true });
    if (settled.status === 'SUCCEEDED') return;
    if (settled.status === 'REFUSED') {
      throw new DomainError(ErrorCode.DEVICE_REFUSED, 'The locker refused to open the compartment', {
        deviceError: settled.deviceError,
      });
    }
    throw new DomainError(
      ErrorCode.DEVICE_TIMEOUT,
      'The locker did not acknowledge in time; nothing was changed, try again',
      { timeoutMs },
    );
  }

  /**
   * A device's ack for one of its locker's commands. The first one before the deadline settles the command and, for
   * ok: true, applies its effects in the same transaction; anything else is ignored and said so.
   */
  async acknowledge(lockerId: string, ack: Ack, now = new Date()): Promise<AckOutcome> {
    let changed: LockerSnapshot[] = [];
    const outcome = await this.em.transactional(async (em): Promise<AckOutcome> => {
      const command = await em.findOne(
        LockerCommand,
        { id: ack.commandId, lockerId },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      if (!command) return 'unknown';
      if (command.status === 'TIMED_OUT') return 'late';
      if (command.status !== 'PENDING') return 'repeated';
      if (command.expiresAt <= now) return 'late'; // the waiting platform settles it as timed out
      command.settledAt = now;
      if (!ack.ok) {
        em.assign(command, { status: 'REFUSED', deviceError: (ack.error || 'UNKNOWN').slice(0, 100) });
        return 'settled';
      }
      command.status = 'SUCCEEDED';
      changed = await this.applyOpened(em, command, now);
      return 'settled';
    });
    if (outcome === 'settled') {
      void this.deps.live.commandSettled(ack.commandId);
      if (changed.length) void this.deps.live.lockersChanged(changed);
    }
    return outcome;
  }

  /** Commands of a locker still waiting for an ack (what a locker gateway without MQTT polls). */
  pending(lockerId: string, now = new Date()): Promise<LockerCommand[]> {
    return this.em.find(
      LockerCommand,
      { lockerId, status: 'PENDING', expiresAt: { $gt: now } },
      { orderBy: { createdAt: 'asc' } },
    );
  }

  /** The device opened the door: record it, and who opened a reservation's compartment; use up the code. */
  private async applyOpened(em: EntityManager, command: LockerCommand, now: Date): Promise<LockerSnapshot[]> {
    const lockers = await lockLockers(em, [command.lockerId]);
    if (!lockers[0]) return [];
    const compartments = await lockCompartments(em, [command.lockerId]);
    const compartment = compartments.get(command.lockerId)!.find((c) => c.index === command.compartmentIndex);
    if (compartment) compartment.doorOpen = true;
    const reservation = command.reservationId
      ? (await findLocked(em, Reservation, { id: command.reservationId }))[0]
      : (
          await findLocked(em, Reservation, {
            compartmentId: compartment?.id ?? '',
            status: { $in: ['ACTIVE', 'DEPOSITED'] },
          })
        )[0];
    if (reservation && isHolding(reservation.status)) {
      em.assign(reservation, { openedBy: command.actorId, openedAt: now });
    }
    if (command.credentialId) {
      await em.nativeUpdate(PickupCredential, { id: command.credentialId, usedAt: null }, { usedAt: now });
    }
    bumpRevision(lockers[0], new Set());
    await em.flush();
    return snapshots(lockers, compartments);
  }
}
