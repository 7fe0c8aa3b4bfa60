/**
 * What a device tells the platform, whatever carried it (MQTT or the device-key mutations), and how the reports of
 * one locker are gathered until they are written together (the ingest coalesces writes per locker).
 */
import { badInput } from '../../../../lib/errors/index.js';
import {
  checkReportTime,
  eventFacts,
  queueReport,
  type CompartmentFacts,
  type DeviceEventType,
  type FactReport,
} from './facts.js';

/** One message of a device, validated for shape (not yet against the locker's compartments). */
export type DeviceReport =
  | { kind: 'presence'; lockerId: string; online: boolean }
  | { kind: 'state'; lockerId: string; ts: number; compartments: ({ index: number } & CompartmentFacts)[] }
  | { kind: 'event'; lockerId: string; type: DeviceEventType; index: number; ts: number; fault?: string | null };

/** The reports of one locker waiting to be written. */
export interface LockerReport {
  lockerId: string;
  /** The newest presence reported, if any. */
  online?: boolean;
  /** Fact reports per compartment index, in `ts` order. */
  compartments: Map<number, FactReport[]>;
  /** The newest full `state` among them (it covers every compartment), if any. */
  stateTs?: number;
  /** DEPOSITED events (a reservation's parcel arrives), in arrival order. */
  deposits: { index: number; ts: number }[];
}

export const emptyLockerReport = (lockerId: string): LockerReport => ({
  lockerId,
  compartments: new Map(),
  deposits: [],
});

/** Adds one device message to its locker's pending report. */
export function addToLockerReport(pending: LockerReport, report: DeviceReport): void {
  const queue = (index: number, fact: FactReport) =>
    pending.compartments.set(index, queueReport(pending.compartments.get(index) ?? [], fact));
  switch (report.kind) {
    case 'presence':
      pending.online = report.online;
      return;
    case 'state':
      for (const { index, ...facts } of report.compartments) queue(index, { facts, ts: report.ts });
      pending.stateTs = Math.max(pending.stateTs ?? report.ts, report.ts);
      return;
    case 'event':
      queue(report.index, { facts: eventFacts(report.type, report.fault), ts: report.ts });
      if (report.type === 'DEPOSITED') pending.deposits.push({ index: report.index, ts: report.ts });
      return;
  }
}

/**
 * Checks a report against its locker: its compartment numbers must exist and appear once (a state lists them all),
 * and its time must be plausible. Throws BAD_USER_INPUT naming the field; nothing of a refused report is applied.
 */
export function checkReport(report: DeviceReport, compartmentIndexes: ReadonlySet<number>, now: number): void {
  if (report.kind === 'presence') return;
  checkReportTime(report.ts, now);
  const indexes = report.kind === 'state' ? report.compartments.map((c) => c.index) : [report.index];
  const field = report.kind === 'state' ? 'compartments' : 'compartment';
  for (const index of indexes) {
    if (!compartmentIndexes.has(index)) throw badInput(`The locker has no compartment ${index}`, field);
  }
  if (new Set(indexes).size !== indexes.length) throw badInput('A compartment is listed twice', field);
  if (report.kind === 'state' && indexes.length !== compartmentIndexes.size) {
    throw badInput(`A state lists every compartment (${compartmentIndexes.size})`, field);
  }
}
