/**
 * What the locker services need from the transports, as ports: live updates to subscribers (pub/sub) and commands
 * to devices (MQTT). The implementations live in live.ts and mqtt/commands.ts; services never see a transport.
 */
import type { Compartment } from '../entities/compartment.entity.js';
import type { Locker } from '../entities/locker.entity.js';

/** A locker with its compartments as committed, carried to subscribers so they need not read it back. */
export interface LockerSnapshot {
  id: string;
  hubId: string;
  name: string;
  address: string;
  online: boolean;
  /** ISO 8601, or null before the device's first report. */
  reportedAt: string | null;
  revision: number;
  compartments: {
    id: string;
    index: number;
    doorOpen: boolean;
    occupied: boolean;
    reserved: boolean;
    fault: string | null;
  }[];
}

export function snapshotOf(locker: Locker, compartments: readonly Compartment[]): LockerSnapshot {
  return {
    id: locker.id,
    hubId: locker.hubId,
    name: locker.name,
    address: locker.address,
    online: locker.online,
    reportedAt: locker.reportedAt?.toISOString() ?? null,
    revision: locker.revision,
    compartments: [...compartments]
      .sort((a, b) => a.index - b.index)
      .map(({ id, index, doorOpen, occupied, reserved, fault }) => ({
        id,
        index,
        doorOpen,
        occupied,
        reserved,
        fault: fault ?? null,
      })),
  };
}

export interface CommandWatch {
  /** Resolves when some process announces the command settled (commandSettled); never rejects. */
  settled: Promise<void>;
  close(): Promise<void>;
}

export interface LiveUpdates {
  /** Announces committed changes to subscribers of each locker and of its hub. Call after commit. */
  lockersChanged(snapshots: readonly LockerSnapshot[]): Promise<void>;
  /** Starts listening for the settlement of a command, wherever its ack lands (any replica, MQTT or GraphQL). */
  watchCommand(commandId: string): Promise<CommandWatch>;
  commandSettled(commandId: string): Promise<void>;
}

/** The wire command (docs/mqtt-protocol.md `commands`). */
export interface DeviceCommand {
  commandId: string;
  type: 'OPEN';
  compartment: number;
  /** Unix epoch milliseconds. */
  expiresAt: number;
}

export interface DeviceCommandPort {
  /** Sends without waiting for delivery: the command's deadline bounds the wait, whatever the transport does. */
  send(lockerId: string, command: DeviceCommand): void;
}
