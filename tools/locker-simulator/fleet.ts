/**
 * Runs a fleet of simulated devices at a total message rate for a bounded time, then stops them cleanly (each
 * publishes "offline" and disconnects) and returns what was sent.
 */
import { FleetCounters, SimulatedDevice, type SimulatedLocker } from './device.js';
import type { Faults } from './options.js';

export interface FleetOptions {
  mqttUrl: string;
  devicePassword?: string;
  /** Messages per second, all devices together. */
  rate: number;
  durationSeconds: number;
  faults: Faults;
  /** Stamp messages with their send time (see SimulatedDevice). */
  stamp?: boolean;
  /** Called every `progressSeconds` while running. */
  progress?: { everySeconds: number; report(line: FleetProgress): void };
}

export interface FleetProgress {
  seconds: number;
  messages: number;
  connected: number;
}

export interface FleetSummary {
  lockers: number;
  seconds: number;
  /** Messages sent (valid, garbage and duplicates) per second of run time. */
  messagesPerSecond: number;
  counters: FleetCounters;
  connectSeconds: number;
}

const TICK_MS = 5;
/** Devices connecting at once at start-up. */
const CONNECT_CONCURRENCY = 50;

export async function runFleet(lockers: readonly SimulatedLocker[], options: FleetOptions): Promise<FleetSummary> {
  const counters = new FleetCounters();
  const devices = lockers.map((l) => new SimulatedDevice(l, options.faults, counters, options.stamp));
  const connectStarted = Date.now();
  try {
    for (let i = 0; i < devices.length; i += CONNECT_CONCURRENCY) {
      await Promise.all(
        devices.slice(i, i + CONNECT_CONCURRENCY).map((d) => d.connect(options.mqttUrl, options.devicePassword)),
      );
    }
  } catch (err) {
    await Promise.allSettled(devices.map((d) => d.stop()));
    throw err;
  }
  const connectSeconds = (Date.now() - connectStarted) / 1000;

  const baseline = counters.messages;
  const started = Date.now();
  let next = 0;
  const tick = setInterval(() => {
    const due = ((Date.now() - started) / 1000) * options.rate;
    // Round robin; a disconnected device sends nothing, so give up after one pass without progress.
    for (let tries = 0; counters.messages - baseline < due && tries < devices.length;) {
      const sentBefore = counters.messages;
      devices[next++ % devices.length]!.act();
      tries = counters.messages === sentBefore ? tries + 1 : 0;
    }
  }, TICK_MS);
  const faults = setInterval(() => {
    if (options.faults.disconnects > 0) {
      for (const d of devices) if (Math.random() < options.faults.disconnects) d.dropConnection();
    }
  }, 1000);
  const progress = options.progress
    ? setInterval(
        () =>
          options.progress!.report({
            seconds: Math.round((Date.now() - started) / 1000),
            messages: counters.messages - baseline,
            connected: devices.filter((d) => d.connected).length,
          }),
        options.progress.everySeconds * 1000,
      )
    : undefined;

  await new Promise((resolve) => setTimeout(resolve, options.durationSeconds * 1000));
  clearInterval(tick);
  clearInterval(faults);
  if (progress) clearInterval(progress);
  const seconds = (Date.now() - started) / 1000;
  const messages = counters.messages - baseline;
  for (let i = 0; i < devices.length; i += CONNECT_CONCURRENCY) {
    await Promise.allSettled(devices.slice(i, i + CONNECT_CONCURRENCY).map((d) => d.stop()));
  }
  return { lockers: devices.length, seconds, messagesPerSecond: messages / seconds, counters, connectSeconds };
}
