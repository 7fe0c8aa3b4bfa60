/**
 * One simulated locker device speaking the device protocol (docs/mqtt-protocol.md): presence with a last will,
 * retained state after every change, events, and acks for commands (executing each command id at most once,
 * ignoring expired ones). Faults are injected on request: lost acks, dropped connections, garbage payloads,
 * duplicated messages and jammed compartments.
 */
import { performance } from 'node:perf_hooks';
import { connectMqtt, type MqttClient } from '../../lib/infra/mqtt.js';
import { lockerTopic, type DeviceTopicKind } from '../../subgraphs/locker/src/mqtt/topics.js';
import { MAX_PAYLOAD_BYTES } from '../../subgraphs/locker/src/mqtt/wire.js';
import type { Faults } from './options.js';

export interface SimulatedLocker {
  id: string;
  /** Compartments 1…n. */
  compartments: number;
}

interface Facts {
  door: 'OPEN' | 'CLOSED';
  occupied: boolean;
  fault: string | null;
}

/** What the whole fleet did, summed over devices. */
export class FleetCounters {
  sent: Record<string, number> = { presence: 0, state: 0, events: 0, acks: 0 };
  garbage = 0;
  duplicates = 0;
  commands = 0;
  expiredCommands = 0;
  repeatedCommands = 0;
  acksLost = 0;
  disconnects = 0;
  publishErrors = 0;

  get messages(): number {
    return Object.values(this.sent).reduce((a, b) => a + b, 0) + this.garbage + this.duplicates;
  }
}

/** How long a door opened by a command stays open before the simulated person closes it. */
const PICKUP_MS = 3000;
/** Command ids remembered for "at most once". */
const REMEMBERED_COMMANDS = 200;

export class SimulatedDevice {
  private client?: MqttClient;
  private readonly facts: Facts[];
  private lastTs = 0;
  private readonly handled = new Map<string, object>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private garbageKind = 0;
  stopped = false;

  constructor(
    readonly locker: SimulatedLocker,
    private readonly faults: Faults,
    private readonly counters: FleetCounters,
    /** Stamp state and events with `sentAt`, the send time in fractional epoch milliseconds. */
    private readonly stamp = false,
  ) {
    this.facts = Array.from({ length: locker.compartments }, () => ({ door: 'CLOSED', occupied: false, fault: null }));
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Connects with a persistent session (commands sent during a short disconnect still arrive) and a last will. */
  async connect(url: string, password?: string): Promise<void> {
    const id = this.locker.id;
    this.client = await connectMqtt(url, {
      clientId: `hubgraph-sim-${id}`,
      clean: false,
      ...(password ? { username: id, password } : {}),
      reconnectPeriod: 1000 + Math.floor(Math.random() * 1000),
      will: { topic: lockerTopic(id, 'presence'), payload: Buffer.from('"offline"'), qos: 1, retain: true },
    });
    this.client.on('message', (_topic, payload) => this.onCommand(payload));
    this.client.on('connect', () => this.announce());
    await this.client.subscribeAsync(lockerTopic(id, 'commands'), { qos: 1 });
    this.announce();
  }

  /** One thing happening at a random compartment: an event and the state after it (two messages). */
  act(): void {
    if (!this.connected) return;
    const index = Math.floor(Math.random() * this.facts.length);
    const c = this.facts[index]!;
    const compartment = index + 1;
    if (c.fault) {
      c.fault = null; // repaired: the state says so
      return this.sendState();
    }
    if (Math.random() < this.faults.jams) {
      c.fault = 'LOCK_JAMMED';
      this.sendEvent('FAULT', compartment, { fault: c.fault });
    } else if (c.door === 'CLOSED' && !c.occupied && Math.random() < 0.3) {
      c.occupied = true;
      this.sendEvent('DEPOSITED', compartment);
    } else if (c.door === 'CLOSED') {
      c.door = 'OPEN';
      this.sendEvent('DOOR_OPENED', compartment);
    } else {
      c.door = 'CLOSED';
      if (Math.random() < 0.5) c.occupied = !c.occupied;
      this.sendEvent('DOOR_CLOSED', compartment);
    }
    this.sendState();
  }

  /** Drops the connection without a DISCONNECT: the broker publishes the will; mqtt.js reconnects. */
  dropConnection(): void {
    if (!this.connected) return;
    this.counters.disconnects++;
    this.client!.stream.destroy();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    if (!this.client) return;
    if (this.client.connected) {
      await this.client
        .publishAsync(lockerTopic(this.locker.id, 'presence'), '"offline"', { qos: 1, retain: true })
        .catch(() => undefined);
    }
    await this.client.endAsync(true);
  }

  private announce(): void {
    this.publish('presence', '"online"', true);
    this.sendState();
  }

  private nextTs(): number {
    this.lastTs = Math.max(Date.now(), this.lastTs + 1);
    return this.lastTs;
  }

  private sendState(): void {
    const payload = JSON.stringify({
      compartments: this.facts.map((c, i) => ({ index: i + 1, door: c.door, occupied: c.occupied, fault: c.fault })),
      ts: this.nextTs(),
      ...this.sentAt(),
    });
    this.publish('state', payload, true);
  }

  private sendEvent(type: string, compartment: number, extra: object = {}): void {
    this.publish('events', JSON.stringify({ type, compartment, ts: this.nextTs(), ...extra, ...this.sentAt() }));
  }

  private sentAt(): { sentAt?: number } {
    return this.stamp ? { sentAt: performance.timeOrigin + performance.now() } : {};
  }

  private publish(kind: DeviceTopicKind, payload: string, retain = false): void {
    const client = this.client;
    if (!client || this.stopped) return;
    const topic = lockerTopic(this.locker.id, kind);
    const send = (body: string | Buffer) =>
      client.publishAsync(topic, body, { qos: 1, retain }).catch(() => void this.counters.publishErrors++);
    if (kind !== 'presence' && Math.random() < this.faults.garbage) {
      this.counters.garbage++;
      void send(this.garbage());
      return;
    }
    this.counters.sent[kind] = (this.counters.sent[kind] ?? 0) + 1;
    void send(payload);
    if (Math.random() < this.faults.duplicates) {
      this.counters.duplicates++;
      void send(payload);
    }
  }

  /** Something a broken device might send: the platform must count and drop each, and change nothing. */
  private garbage(): string | Buffer {
    const ts = Date.now();
    switch (this.garbageKind++ % 5) {
      case 0:
        return '{"compartments": [{"index": 1, "door": ';
      case 1:
        return JSON.stringify({ type: 'DOOR_OPENED', compartment: this.facts.length + 7, ts });
      case 2:
        return Buffer.alloc(MAX_PAYLOAD_BYTES + 1024, 0x7b);
      case 3:
        return JSON.stringify({ type: 'EXPLODED', compartment: 1, ts });
      default:
        return JSON.stringify({ compartments: [{ index: 1, door: 'AJAR', occupied: 'maybe' }], ts });
    }
  }

  private onCommand(payload: Buffer): void {
    let command: { commandId?: unknown; type?: unknown; compartment?: unknown; expiresAt?: unknown };
    try {
      command = JSON.parse(payload.toString('utf8')) as typeof command;
    } catch {
      return;
    }
    const { commandId, type, compartment, expiresAt } = command;
    if (typeof commandId !== 'string') return;
    this.counters.commands++;
    const previous = this.handled.get(commandId);
    if (previous) {
      // At most once: the same ack again, nothing else.
      this.counters.repeatedCommands++;
      return this.publish('acks', JSON.stringify(previous));
    }
    if (typeof expiresAt !== 'number' || expiresAt < Date.now()) {
      this.counters.expiredCommands++;
      return; // the platform has given up: neither act nor answer
    }
    const c = typeof compartment === 'number' ? this.facts[compartment - 1] : undefined;
    const ack =
      type !== 'OPEN'
        ? { commandId, ok: false, error: 'UNKNOWN_COMMAND' }
        : !c
          ? { commandId, ok: false, error: 'NO_SUCH_COMPARTMENT' }
          : c.fault
            ? { commandId, ok: false, error: 'COMPARTMENT_FAULT' }
            : { commandId, ok: true };
    this.handled.set(commandId, ack);
    if (this.handled.size > REMEMBERED_COMMANDS) this.handled.delete(this.handled.keys().next().value!);
    if (Math.random() < this.faults.lostAcks) this.counters.acksLost++;
    else this.publish('acks', JSON.stringify(ack));
    if (!ack.ok || !c) return;
    c.door = 'OPEN';
    this.sendEvent('DOOR_OPENED', compartment as number);
    this.sendState();
    // Someone takes the parcel and closes the door.
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      c.door = 'CLOSED';
      c.occupied = false;
      this.sendEvent('DOOR_CLOSED', compartment as number);
      this.sendState();
    }, PICKUP_MS);
    this.timers.add(timer);
  }
}
