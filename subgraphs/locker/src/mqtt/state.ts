/** `state` (device → platform, retained): a full snapshot of the compartments (docs/mqtt-protocol.md). */
import { z } from 'zod';
import { MAX_FAULT_LENGTH } from '../domain/facts.js';
import type { DeviceReport } from '../domain/reports.js';
import { EpochMs } from './wire.js';

export const LockerStateMessage = z.object({
  compartments: z
    .array(
      z.object({
        index: z.number().int().min(1).max(1000),
        door: z.enum(['OPEN', 'CLOSED']),
        occupied: z.boolean(),
        fault: z.string().max(MAX_FAULT_LENGTH).nullable(),
      }),
    )
    .max(256),
  ts: EpochMs,
});
export type LockerStateMessage = z.infer<typeof LockerStateMessage>;

export const stateReport = (lockerId: string, message: LockerStateMessage): DeviceReport => ({
  kind: 'state',
  lockerId,
  ts: message.ts,
  compartments: message.compartments.map((c) => ({
    index: c.index,
    doorOpen: c.door === 'OPEN',
    occupied: c.occupied,
    fault: c.fault || null,
  })),
});
