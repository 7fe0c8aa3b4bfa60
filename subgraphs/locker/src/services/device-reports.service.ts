/**
 * Applies what devices report (presence, compartment facts, DEPOSITED events) to the database, a batch of lockers
 * per transaction, and returns the snapshots of the lockers that changed for the caller to announce after commit.
 * MQTT and the device-key mutations both come through here (via the ingest, ingest.ts).
 *
 * Per compartment the newest report wins (domain/facts.ts). A compartment's facts are as new as the later of its own
 * `observedAt` and its locker's `stateAt` (a state covers every compartment), so a state writes its locker's row
 * and only the compartments whose facts it changes. A DEPOSITED event completes the compartment's ACTIVE reservation
 * (codes issued) if it happened after the reservation was made; a door closing on an empty held compartment
 * completes a DEPOSITED one (picked up). A report that changes nothing writes nothing and announces nothing, so a
 * duplicate, or the same message handled by a second replica, is invisible.
 *
 * The batch's lockers and compartments (hundreds of rows) are read and written directly (locker-store.ts), not
 * tracked by the EntityManager; reservations, pickup codes and events, rare here, go through it as usual.
 */
import type { EntityManager } from '@mikro-orm/core';
import { applyReports, closedAndEmpty, type CompartmentFacts } from '../domain/facts.js';
import type { LockerReport } from '../domain/reports.js';
import { depositApplies, HOLDING } from '../domain/reservations.js';
import type { Compartment } from '../entities/compartment.entity.js';
import { Reservation } from '../entities/reservation.entity.js';
import { bumpRevision, findLocked, lockCompartments, lockLockers, snapshots, writeFacts } from './locker-store.js';
import type { LockerSnapshot } from './ports.js';
import type { ReservationService } from './reservations.service.js';

const factsOf = (c: Compartment): CompartmentFacts => ({
  doorOpen: c.doorOpen,
  occupied: c.occupied,
  fault: c.fault ?? null,
});
const time = (date: Date | null | undefined) => date?.getTime() ?? null;
const later = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

export class DeviceReportService {
  constructor(
    private readonly em: EntityManager,
    private readonly reservations: ReservationService,
  ) {}

  /** Applies the reports (one per locker) in one transaction; returns the changed lockers as committed. */
  apply(reports: readonly LockerReport[], now = new Date()): Promise<LockerSnapshot[]> {
    return this.em.transactional(async (em) => {
      const ids = reports.map((r) => r.lockerId);
      const lockers = new Map((await lockLockers(em, ids, { detached: true })).map((l) => [l.id, l]));
      const compartments = await lockCompartments(em, [...lockers.keys()], { detached: true });
      /** Lockers whose revision went up (announced), lockers only seen (presence), compartments to write. */
      const changed = new Set<string>();
      const seen = new Set<string>();
      const written = new Set<Compartment>();
      /** Held compartments whose door closed on an empty compartment in this batch, and deposits to apply. */
      const emptied: Compartment[] = [];
      const deposits: { compartment: Compartment; ts: number }[] = [];

      for (const report of reports) {
        const locker = lockers.get(report.lockerId);
        if (!locker) continue; // checked before queuing; lockers are never deleted
        const byIndex = new Map(compartments.get(locker.id)!.map((c) => [c.index, c]));
        let lockerChanged = false;
        if (report.online !== undefined) {
          locker.lastSeenAt = now;
          seen.add(locker.id);
          lockerChanged = locker.online !== report.online;
          locker.online = report.online;
        }
        const stateAt = time(locker.stateAt);
        const newStateAt = later(stateAt, report.stateTs ?? null);
        let newest = time(locker.reportedAt);
        for (const [index, queued] of report.compartments) {
          const compartment = byIndex.get(index);
          if (!compartment) continue;
          const before = factsOf(compartment);
          const known = later(time(compartment.observedAt), stateAt);
          const result = applyReports(before, known, queued);
          if (result.observedAt === known && !result.changed) continue; // older than what is held, or a repeat
          newest = later(newest, result.observedAt);
          // Unchanged facts newer than the locker's state (an event) still move this compartment's time forward.
          if (result.changed || result.observedAt! > (newStateAt ?? -Infinity)) {
            Object.assign(compartment, result.facts, { observedAt: new Date(result.observedAt!) });
            written.add(compartment);
            lockerChanged = true;
          }
          // Only a held compartment has a reservation to complete.
          if (result.changed && compartment.reserved && !closedAndEmpty(before) && closedAndEmpty(result.facts)) {
            emptied.push(compartment);
          }
        }
        if (newStateAt !== stateAt) {
          locker.stateAt = new Date(newStateAt!);
          lockerChanged = true;
        }
        if (newest !== time(locker.reportedAt)) {
          locker.reportedAt = new Date(newest!);
          lockerChanged = true;
        }
        if (lockerChanged) {
          locker.lastSeenAt = now;
          bumpRevision(locker, changed);
        }
        for (const { index, ts } of report.deposits) {
          const compartment = byIndex.get(index);
          if (compartment?.reserved) deposits.push({ compartment, ts });
        }
      }

      if (deposits.length || emptied.length) {
        await this.completeReservations(em, deposits, emptied, now, (compartment) => {
          bumpRevision(lockers.get(compartment.lockerId)!, changed);
          written.add(compartment);
        });
      }
      await writeFacts(
        em,
        [...lockers.values()].filter((l) => changed.has(l.id) || seen.has(l.id)),
        [...written],
      );
      await em.flush(); // reservations, pickup codes and events, when a deposit or pickup happened
      return snapshots(
        [...lockers.values()].filter((l) => changed.has(l.id)),
        compartments,
      );
    });
  }

  /** Deposits complete ACTIVE reservations; emptied compartments complete DEPOSITED ones (not deposited just now). */
  private async completeReservations(
    em: EntityManager,
    deposits: { compartment: Compartment; ts: number }[],
    emptied: Compartment[],
    now: Date,
    touch: (compartment: Compartment) => void,
  ) {
    const ids = [...new Set([...deposits.map((d) => d.compartment.id), ...emptied.map((c) => c.id)])];
    const holding = await findLocked(em, Reservation, { compartmentId: { $in: ids }, status: { $in: [...HOLDING] } });
    if (!holding.length) return;
    const byCompartment = new Map(holding.map((r) => [r.compartmentId, r]));
    const depositedNow = new Set<string>();
    if (deposits.length) {
      const lockerIds = [...new Set(deposits.map((d) => d.compartment.lockerId))];
      const taken = await this.reservations.livePinHashes(em, lockerIds, now);
      for (const { compartment, ts } of deposits) {
        const reservation = byCompartment.get(compartment.id);
        if (!reservation || !depositApplies(reservation, ts)) continue;
        this.reservations.depositIn(em, reservation, now, taken.get(compartment.lockerId)!);
        depositedNow.add(reservation.id);
        touch(compartment);
      }
    }
    for (const compartment of emptied) {
      const reservation = byCompartment.get(compartment.id);
      if (reservation?.status !== 'DEPOSITED' || depositedNow.has(reservation.id)) continue;
      await this.reservations.pickedUpIn(em, reservation, compartment, now);
      touch(compartment);
    }
  }
}
