/** `acks` (device → platform): the answer to one command (docs/mqtt-protocol.md). */
import { z } from 'zod';

export const LockerAckMessage = z.union([
  z.object({ commandId: z.uuid(), ok: z.literal(true) }),
  z.object({ commandId: z.uuid(), ok: z.literal(false), error: z.string().max(100).default('UNKNOWN') }),
]);
export type LockerAckMessage = z.infer<typeof LockerAckMessage>;
