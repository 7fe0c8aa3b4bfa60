/**
 * The device's facts about its compartments and how reports of them combine (docs/mqtt-protocol.md `state` and
 * `events`). Pure rules: the ingest and the mutation path both apply reports through these.
 *
 * Ordering: per compartment, the newest report wins. A report older than the newest one already applied changes
 * nothing, and one with the same `ts` repeats facts already applied (or, for two reports of one millisecond, the
 * later arrival wins). That is what makes QoS 1 duplicates and late redeliveries harmless.
 */
import { badInput } from '../../../../lib/errors/index.js';

export interface CompartmentFacts {
  doorOpen: boolean;
  occupied: boolean;
  /** The device's fault description; null when healthy. */
  fault: string | null;
}

/** Some facts of one compartment, observed at `ts` (Unix epoch milliseconds, the device's clock). */
export interface FactReport {
  facts: Partial<CompartmentFacts>;
  ts: number;
}

export const DEVICE_EVENT_TYPES = ['DOOR_OPENED', 'DOOR_CLOSED', 'DEPOSITED', 'FAULT'] as const;
export type DeviceEventType = (typeof DEVICE_EVENT_TYPES)[number];

/** A fault description is kept to this many characters. */
export const MAX_FAULT_LENGTH = 200;

/** What an event says about its compartment. A FAULT event without a description records "FAULT". */
export function eventFacts(type: DeviceEventType, fault?: string | null): Partial<CompartmentFacts> {
  switch (type) {
    case 'DOOR_OPENED':
      return { doorOpen: true };
    case 'DOOR_CLOSED':
      return { doorOpen: false };
    case 'DEPOSITED':
      // "A parcel was placed and the door closed on it."
      return { doorOpen: false, occupied: true };
    case 'FAULT':
      return { fault: (fault || 'FAULT').slice(0, MAX_FAULT_LENGTH) };
  }
}

/** Whether a report carries every fact (a `state` snapshot does; an event carries one or two). */
const isFull = (report: FactReport) =>
  report.facts.doorOpen !== undefined && report.facts.occupied !== undefined && report.facts.fault !== undefined;

/** Reports of one compartment waiting to be applied are kept to this many (the oldest go first). */
export const MAX_QUEUED_REPORTS = 64;

/**
 * Adds `next` to a compartment's reports waiting to be applied, kept in `ts` order (arrival order within one
 * millisecond). A full report makes every older one moot, so a stream of snapshots never queues more than one.
 */
export function queueReport(queued: readonly FactReport[], next: FactReport): FactReport[] {
  if (isFull(next) && queued.every((r) => r.ts <= next.ts)) return [next];
  const at = queued.findIndex((r) => r.ts > next.ts);
  const reports = at < 0 ? [...queued, next] : [...queued.slice(0, at), next, ...queued.slice(at)];
  return reports.length > MAX_QUEUED_REPORTS ? reports.slice(-MAX_QUEUED_REPORTS) : reports;
}

/**
 * The facts after applying `reports` (in `ts` order) to what is held (`observedAt`: the newest report applied so
 * far, null before the first). A report older than the newest one applied changes nothing.
 */
export function applyReports(
  current: CompartmentFacts,
  observedAt: number | null,
  reports: readonly FactReport[],
): { facts: CompartmentFacts; observedAt: number | null; changed: boolean } {
  let facts = current;
  let newest = observedAt;
  for (const report of reports) {
    if (newest !== null && report.ts < newest) continue;
    facts = { ...facts, ...report.facts };
    newest = report.ts;
  }
  const changed =
    facts.doorOpen !== current.doorOpen || facts.occupied !== current.occupied || facts.fault !== current.fault;
  return { facts, observedAt: newest, changed };
}

/** The state in which a deposited parcel counts as picked up: door closed on an empty compartment. */
export const closedAndEmpty = (facts: CompartmentFacts) => !facts.doorOpen && !facts.occupied;

/** How far ahead of the platform's clock a device's `ts` may be (clock drift), in milliseconds. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Refuses a report time that is not a whole number of milliseconds after 2020 or lies more than
 * MAX_CLOCK_SKEW_MS ahead: a report from the future would make every later true report look old.
 */
export function checkReportTime(ts: number, now: number, field = 'ts'): void {
  if (!Number.isSafeInteger(ts) || ts < Date.UTC(2020, 0, 1)) {
    throw badInput('ts must be Unix epoch milliseconds', field);
  }
  if (ts > now + MAX_CLOCK_SKEW_MS) throw badInput('ts lies in the future; check the device clock', field);
}
