/**
 * The MQTT side of the locker device protocol (docs/mqtt-protocol.md): every device message of every locker arrives
 * here and goes to the same services the device-key mutations use. The broker's ACL guarantees a device publishes
 * only under its own locker's topics, so the topic's locker id is trusted.
 *
 * Bad input (oversized or malformed payloads, unknown lockers, compartments a locker lacks, implausible times, acks
 * that are late, repeated or name no command) is counted, logged (at most one line per reason per LOG_EVERY_MS) and
 * dropped: never a crash, never a state change. mqtt.js resubscribes by itself after a reconnect (a broker restart),
 * and the retained presence and state messages then arrive again; applying them again changes nothing.
 */
import { DomainError, ErrorCode } from '../../../../lib/errors/index.js';
import type { MqttClient } from '../../../../lib/infra/mqtt.js';
import type { Logger } from '../../../../lib/logger/index.js';
import type { DeviceReport } from '../domain/reports.js';
import type { Ack, AckOutcome } from '../services/commands.service.js';
import { LockerAckMessage } from './acks.js';
import { eventReport, LockerEventMessage } from './events.js';
import { parsePresence } from './presence.js';
import { LockerStateMessage, stateReport } from './state.js';
import { allLockersTopic, parseLockerTopic, type DeviceTopicKind } from './topics.js';
import { MAX_PAYLOAD_BYTES, parsePayload } from './wire.js';

/** Why a device message was dropped. */
export type DropReason =
  | 'foreign_topic'
  | 'oversized'
  | 'malformed'
  | 'unknown_locker'
  | 'out_of_range'
  | 'bad_time'
  | 'unknown_command'
  | 'replayed_ack'
  | 'late_ack'
  | 'write_failed';

/** What the bridge hands over: the same service calls the device-key mutations make. */
export interface DeviceHandlers {
  report(report: DeviceReport): Promise<void>;
  acknowledge(lockerId: string, ack: Ack): Promise<AckOutcome>;
}

const LOG_EVERY_MS = 10_000;

/** Where the bridge's counts also go (lib/metrics, through the subgraph's deps). */
export interface BridgeObserver {
  /** `kind` is a device topic kind, or `other` (a bounded label). */
  received(kind: DeviceTopicKind | 'other'): void;
  dropped(reason: DropReason): void;
}

/** Counts of messages received per kind and dropped per reason, for tests, benchmarks and metrics. */
export class BridgeStats {
  readonly received: Record<string, number> = {};
  readonly dropped: Partial<Record<DropReason, number>> = {};
  private readonly lastLogged = new Map<DropReason, { at: number; since: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly observer?: BridgeObserver,
  ) {}

  count(kind: string): void {
    this.received[kind] = (this.received[kind] ?? 0) + 1;
    this.observer?.received((DEVICE_TOPICS as string[]).includes(kind) ? (kind as DeviceTopicKind) : 'other');
  }

  drop(reason: DropReason, context: { topic: string; lockerId?: string }, err?: unknown): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
    this.observer?.dropped(reason);
    const now = Date.now();
    const last = this.lastLogged.get(reason);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.since++;
      return;
    }
    this.lastLogged.set(reason, { at: now, since: 0 });
    // The payload is never logged: it is the device's, of any size, and may be garbage.
    this.logger.warn({ reason, ...context, droppedSinceLastLine: last?.since ?? 0, err }, 'dropped a device message');
  }
}

export const DEVICE_TOPICS: DeviceTopicKind[] = ['presence', 'state', 'events', 'acks'];

/** Why a service refused a report, as a drop reason. */
function refusal(err: unknown): DropReason | null {
  if (!(err instanceof DomainError)) return null;
  if (err.code === ErrorCode.NOT_FOUND) return 'unknown_locker';
  if (err.code !== ErrorCode.BAD_USER_INPUT) return null;
  return err.details?.field === 'ts' ? 'bad_time' : 'out_of_range';
}

const ACK_DROPS: Record<Exclude<AckOutcome, 'settled'>, DropReason> = {
  unknown: 'unknown_command',
  repeated: 'replayed_ack',
  late: 'late_ack',
};

/** The message handler: synchronous, so reports of one locker are queued in the order they arrive. */
export function deviceMessageHandler(handlers: DeviceHandlers, stats: BridgeStats) {
  // A write that failed after its retries (the database down) is logged by the ingest once per batch; here it is
  // counted, and logged with the other drops at most once per interval, never once per message.
  const failed = (topic: string, lockerId: string) => (err: unknown) =>
    stats.drop(refusal(err) ?? 'write_failed', { topic, lockerId }, refusal(err) ? undefined : err);
  return (topic: string, payload: Buffer): void => {
    const parsed = parseLockerTopic(topic);
    if (!parsed) return stats.drop('foreign_topic', { topic });
    const { lockerId, kind } = parsed;
    stats.count(kind);
    const context = { topic, lockerId };
    let report: DeviceReport;
    switch (kind) {
      case 'presence': {
        if (payload.length > MAX_PAYLOAD_BYTES) return stats.drop('oversized', context);
        const online = parsePresence(payload.toString('utf8'));
        if (online === null) return stats.drop('malformed', context);
        report = { kind: 'presence', lockerId, online };
        break;
      }
      case 'state': {
        const message = parsePayload(payload, LockerStateMessage);
        if (!message.ok) return stats.drop(message.reason, context);
        report = stateReport(lockerId, message.value);
        break;
      }
      case 'events': {
        const message = parsePayload(payload, LockerEventMessage);
        if (!message.ok) return stats.drop(message.reason, context);
        report = eventReport(lockerId, message.value);
        break;
      }
      case 'acks': {
        const message = parsePayload(payload, LockerAckMessage);
        if (!message.ok) return stats.drop(message.reason, context);
        handlers
          .acknowledge(lockerId, message.value)
          .then((outcome) => {
            if (outcome !== 'settled') stats.drop(ACK_DROPS[outcome], context);
          })
          .catch(failed(topic, lockerId));
        return;
      }
      default:
        return stats.drop('foreign_topic', context);
    }
    handlers.report(report).catch(failed(topic, lockerId));
  };
}

/** Subscribes to every locker's device topics; returns how to stop. */
export async function startDeviceBridge(
  mqtt: MqttClient,
  handlers: DeviceHandlers,
  stats: BridgeStats,
  logger: Logger,
): Promise<() => Promise<void>> {
  const handle = deviceMessageHandler(handlers, stats);
  const onMessage = (topic: string, payload: Buffer) => handle(topic, payload);
  const onReconnect = () => logger.warn('MQTT connection lost; reconnecting (subscriptions are renewed)');
  const onConnect = () => logger.info('MQTT connected');
  const topics = DEVICE_TOPICS.map(allLockersTopic);
  mqtt.on('message', onMessage);
  mqtt.on('reconnect', onReconnect);
  mqtt.on('connect', onConnect);
  await mqtt.subscribeAsync(topics, { qos: 1 });
  return async () => {
    mqtt.off('message', onMessage);
    mqtt.off('reconnect', onReconnect);
    mqtt.off('connect', onConnect);
    if (mqtt.connected) await mqtt.unsubscribeAsync(topics);
  };
}
