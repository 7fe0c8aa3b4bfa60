/**
 * `events` (device → platform): something happened at one compartment (docs/mqtt-protocol.md). A duplicate has the
 * same type, compartment and ts; the platform's per-compartment ordering makes it change nothing.
 */
import { z } from 'zod';
import { DEVICE_EVENT_TYPES, MAX_FAULT_LENGTH } from '../domain/facts.js';
import type { DeviceReport } from '../domain/reports.js';
import { EpochMs } from './wire.js';

export const LockerEventMessage = z.object({
  type: z.enum(DEVICE_EVENT_TYPES),
  compartment: z.number().int().min(1).max(1000),
  ts: EpochMs,
  /** For FAULT: the device's description (optional). */
  fault: z.string().max(MAX_FAULT_LENGTH).nullish(),
});
export type LockerEventMessage = z.infer<typeof LockerEventMessage>;

export const eventReport = (lockerId: string, message: LockerEventMessage): DeviceReport => ({
  kind: 'event',
  lockerId,
  type: message.type,
  index: message.compartment,
  ts: message.ts,
  fault: message.fault ?? null,
});
