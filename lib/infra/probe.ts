/**
 * Is MariaDB/MySQL, Redis or the MQTT broker answering? Each probe speaks the real protocol (a query,
 * a PING, a CONNECT answered by CONNACK), is bounded by a timeout, and leaves no socket, timer or
 * retry loop behind, whatever the outcome. The test preflight runs them before the integration tiers,
 * and start-up uses them so that a service that is down is named (service, URL, variable) within
 * seconds, instead of surfacing as a raw ECONNREFUSED or as a client retrying forever.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2';
import { createClient } from 'redis';
import mqtt from 'mqtt';

export type ServiceKind = 'mysql' | 'redis' | 'mqtt';

/** How each service is named in messages. */
const SERVICE_NAMES: Record<ServiceKind, string> = {
  mysql: 'MariaDB/MySQL',
  redis: 'Redis',
  mqtt: 'MQTT broker',
};

/** A configured service: what it is, where, and which environment variable set that. */
export interface ServiceTarget {
  kind: ServiceKind;
  url: string;
  variable: string;
}

/** Long enough for a TLS handshake to a remote service, short enough that a missing one costs seconds. */
export const DEFAULT_PROBE_TIMEOUT_MS = 2000;

/** Start-up allows more: a cold managed database may take a few seconds to accept its first login. */
export const STARTUP_TIMEOUT_MS = 5000;

/** The URL with any password replaced by `***`, fit for logs and error messages. */
export function maskUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not a URL the WHATWG parser takes; still never print what looks like user:password@.
    return url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
  }
  if (u.password) u.password = '***';
  for (const key of [...u.searchParams.keys()]) if (/pass/i.test(key)) u.searchParams.set(key, '***');
  return u.toString().replace(/\/$/, '');
}

/** A service the process needs does not answer, or refuses it. The message names service, URL, variable and reason. */
export class ServiceUnavailableError extends Error {
  static {
    // On the prototype, not the instance, so the stack (taken in Error's constructor) starts with this name too.
    this.prototype.name = 'ServiceUnavailableError';
  }
  /** "MariaDB/MySQL", "Redis" or "MQTT broker". */
  readonly service: string;
  /** The URL, password masked. */
  readonly url: string;
  readonly variable: string;
  /** What went wrong underneath, e.g. "connect ECONNREFUSED 127.0.0.1:3306" or "timed out after 2000 ms". */
  readonly reason: string;

  constructor(target: ServiceTarget, reason: string, options?: ErrorOptions) {
    const service = SERVICE_NAMES[target.kind];
    const url = maskUrl(target.url);
    super(`${service} at ${url} (${target.variable}) is unavailable: ${reason}`, options);
    this.service = service;
    this.url = url;
    this.variable = target.variable;
    this.reason = reason;
  }
}

/**
 * One line from whatever a client threw. Node reports a refused name with several addresses (localhost: ::1 and
 * 127.0.0.1) as an AggregateError without a message.
 */
function describeFailure(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return [...new Set(err.errors.map(describeFailure))].join('; ');
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}

/** Wraps a client failure for `target`; a ServiceUnavailableError passes through unchanged. */
function serviceUnavailable(target: ServiceTarget, err: unknown): ServiceUnavailableError {
  if (err instanceof ServiceUnavailableError) return err;
  return new ServiceUnavailableError(target, describeFailure(err), { cause: err });
}

/** Registers what to tear down if the deadline passes first. */
type OnExpiry = (teardown: () => void) => void;

/** Runs `check` with a deadline; on expiry tears its client down so nothing is left connecting. */
async function withinDeadline(timeoutMs: number, check: (onExpiry: OnExpiry) => Promise<void>): Promise<void> {
  const teardowns: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const teardown of teardowns) teardown();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([check((teardown) => teardowns.push(teardown)), expired]);
  } finally {
    clearTimeout(timer);
  }
}

const checks: Record<ServiceKind, (url: string, timeoutMs: number, onExpiry: OnExpiry) => Promise<void>> = {
  async mysql(url, timeoutMs, onExpiry) {
    // The server, not a database: DATABASE_URL names none, and the databases may not exist yet.
    const server = new URL(url);
    server.pathname = '';
    const conn = mysql.createConnection({ uri: server.toString(), connectTimeout: timeoutMs });
    onExpiry(() => conn.destroy());
    try {
      await new Promise<void>((resolve, reject) => {
        conn.on('error', reject);
        conn.query('SELECT 1', (err) => (err ? reject(err) : resolve()));
      });
    } finally {
      conn.destroy();
    }
  },

  async redis(url, timeoutMs, onExpiry) {
    // node-redis retries a failed connect forever by default (and throws from 'error' without a listener).
    const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
    client.on('error', () => {}); // reported through connect()/ping() instead
    onExpiry(() => client.destroy());
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.destroy();
    }
  },

  async mqtt(url, timeoutMs, onExpiry) {
    // reconnectPeriod 0: mqtt.js would otherwise reconnect every second, and a broker port that accepts and
    // closes (a proxy with nothing behind it) would keep it trying forever.
    const client = mqtt.connect(url, {
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      clientId: `hubgraph-probe-${randomBytes(4).toString('hex')}`,
      clean: true,
    });
    onExpiry(() => client.end(true));
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.on('error', reject);
        client.once('close', () => reject(new Error('connection closed before CONNACK')));
      });
    } catch (err) {
      client.end(true);
      throw err;
    }
    // A clean DISCONNECT, so the broker logs no dropped client.
    await client.endAsync();
  },
};

/** Checks that `target` answers within `timeoutMs`; throws ServiceUnavailableError naming it otherwise. */
export async function probeService(target: ServiceTarget, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<void> {
  try {
    await withinDeadline(timeoutMs, (onExpiry) => checks[target.kind](target.url, timeoutMs, onExpiry));
  } catch (err) {
    throw serviceUnavailable(target, err);
  }
}

/** Connects to the MySQL/MariaDB server and runs SELECT 1. */
export function probeMysql(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS, variable = 'DATABASE_URL') {
  return probeService({ kind: 'mysql', url, variable }, timeoutMs);
}

/** Connects to Redis and sends PING. */
export function probeRedis(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS, variable = 'REDIS_URL') {
  return probeService({ kind: 'redis', url, variable }, timeoutMs);
}

/** Sends an MQTT CONNECT, waits for the CONNACK, then disconnects. */
export function probeMqtt(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS, variable = 'MQTT_URL') {
  return probeService({ kind: 'mqtt', url, variable }, timeoutMs);
}

/**
 * The first connection to a service at start-up: its failure becomes a ServiceUnavailableError naming the
 * service, URL and variable, instead of a client's raw error. It does not bound the time; a client whose
 * first attempt can wait forever (mqtt.js retrying a port that closes on it, a Redis server that never
 * answers) gets a probeService first, so its own connection keeps its reconnect behaviour for later outages.
 */
export async function connectAtStartup<T>(target: ServiceTarget, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw serviceUnavailable(target, err);
  }
}
