/**
 * The probes and the start-up paths against the real services, and against outages simulated on ports of
 * our own (closed, silent, or closing every connection): never by stopping the machine's services.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, testServiceUrls } from '../config/index.js';
import { prepareMysqlDatabase } from '../orm/index.js';
import { createInfra } from './index.js';
import {
  maskUrl,
  probeMqtt,
  probeMysql,
  probeRedis,
  probeService,
  ServiceUnavailableError,
  type ServiceKind,
} from './probe.js';

/** A generous bound: the point is seconds, not the 2 minutes a test timeout used to cost. */
const FAST_MS = 5000;

const urls = testServiceUrls();

/** The real Redis and broker, either replaced through `env`; createInfra touches no database. */
function servicesConfig(env: Record<string, string> = {}) {
  const base = { NODE_ENV: 'test', LOG_LEVEL: 'silent', REDIS_PREFIX: 'hgtest:probe:' };
  return loadConfig({ ...base, REDIS_URL: urls.redisUrl, MQTT_URL: urls.mqttUrl, ...env });
}

/** Each probe, the real service's URL, its name, and the variable it names by default. Kinds double as URL schemes. */
const probes: [ServiceKind, (url: string) => Promise<void>, string, string, string][] = [
  ['mysql', probeMysql, urls.databaseUrl, 'MariaDB/MySQL', 'DATABASE_URL'],
  ['redis', probeRedis, urls.redisUrl, 'Redis', 'REDIS_URL'],
  ['mqtt', probeMqtt, urls.mqttUrl, 'MQTT broker', 'MQTT_URL'],
];

/** A TCP server on a free port; `handle` decides what a connection gets. */
async function listenLocal(handle: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.resume(); // read, so that the server side sees a client leave
    handle(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Drops every open connection, as a restarting service would. */
    dropAll: () => sockets.forEach((s) => s.destroy()),
    async close() {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = await listenLocal(() => {});
  await server.close();
  return server.port;
}

/** Runs `fn`, expects a ServiceUnavailableError, reports how long it took. */
async function unavailable(t: TestContext, fn: () => Promise<unknown>): Promise<ServiceUnavailableError> {
  const started = performance.now();
  const err = await fn().then(
    () => assert.fail('expected ServiceUnavailableError'),
    (e: unknown) => e,
  );
  const ms = Math.round(performance.now() - started);
  assert.ok(err instanceof ServiceUnavailableError, String(err));
  t.diagnostic(`${ms} ms: ${err.message}`);
  assert.ok(ms < FAST_MS, `took ${ms} ms`);
  return err;
}

/** Open TCP sockets and timers of this process. */
const openHandles = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;

/** Whether the count falls back to `baseline` within 1 s (clients release handles a few ticks after they fail). */
async function handlesSettle(baseline: number): Promise<boolean> {
  for (let i = 0; i < 50 && openHandles() > baseline; i++) await sleep(20);
  return openHandles() <= baseline;
}

describe('probes', () => {
  for (const [kind, probe, url, service, variable] of probes) {
    test(`${service}: answers at ${maskUrl(url)}`, async (t) => {
      const started = performance.now();
      await probe(url);
      t.diagnostic(`${Math.round(performance.now() - started)} ms`);
    });

    test(`${service}: a closed port fails fast, naming service, masked URL, variable and reason`, async (t) => {
      const port = await closedPort();
      const handles = openHandles();
      const err = await unavailable(t, () => probe(`${kind}://someone:s3cret@127.0.0.1:${port}`));
      assert.equal(err.name, 'ServiceUnavailableError');
      const [masked, reason] = [`${kind}://someone:***@127.0.0.1:${port}`, `connect ECONNREFUSED 127.0.0.1:${port}`];
      assert.equal(err.message, `${service} at ${masked} (${variable}) is unavailable: ${reason}`);
      assert.ok(await handlesSettle(handles), 'nothing left connecting or retrying');
    });

    test(`${service}: a server that accepts and never answers is given up after the timeout`, async (t) => {
      const silent = await listenLocal(() => {});
      try {
        const handles = openHandles();
        const err = await unavailable(t, () =>
          probeService({ kind, url: `${kind}://127.0.0.1:${silent.port}`, variable: 'TEST_VARIABLE' }, 300),
        );
        assert.equal(err.reason, 'timed out after 300 ms');
        assert.match(err.message, /\(TEST_VARIABLE\)/);
        assert.ok(await handlesSettle(handles), 'nothing left connecting or retrying');
      } finally {
        await silent.close();
      }
    });

    test(`${service}: a port that accepts and closes every connection fails at once`, async (t) => {
      // What a proxy with nothing behind it does; mqtt.js on its own retries this for ever.
      const closing = await listenLocal((socket) => socket.end());
      try {
        await unavailable(t, () => probe(`${kind}://127.0.0.1:${closing.port}`));
      } finally {
        await closing.close();
      }
    });
  }
});

describe('start-up with a service down', () => {
  let port: number;
  let refused: string;
  before(async () => {
    port = await closedPort();
    refused = `connect ECONNREFUSED 127.0.0.1:${port}`;
  });

  test('createInfra names REDIS_URL', async (t) => {
    const config = servicesConfig({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const err = await unavailable(t, () => createInfra(config, { mqttUrl: urls.mqttUrl }));
    assert.equal(err.message, `Redis at redis://127.0.0.1:${port} (REDIS_URL) is unavailable: ${refused}`);
  });

  test('createInfra names MQTT_URL, and leaves nothing open', async (t) => {
    const config = servicesConfig({ MQTT_URL: `mqtt://127.0.0.1:${port}` });
    const handles = openHandles();
    const err = await unavailable(t, () => createInfra(config, { mqttUrl: `mqtt://127.0.0.1:${port}` }));
    assert.equal(err.message, `MQTT broker at mqtt://127.0.0.1:${port} (MQTT_URL) is unavailable: ${refused}`);
    assert.ok(await handlesSettle(handles), 'no Redis or MQTT connection left open');
  });

  test('the first MySQL connection names DATABASE_URL', async (t) => {
    const err = await unavailable(t, () => prepareMysqlDatabase(`mysql://root:pw@127.0.0.1:${port}`, 'hgtest_never'));
    const masked = `mysql://root:***@127.0.0.1:${port}`;
    assert.equal(err.message, `MariaDB/MySQL at ${masked} (DATABASE_URL) is unavailable: ${refused}`);
  });
});

describe('after start-up', () => {
  // The broker behind a port of ours, so that its connections can be dropped as a broker restart drops them.
  let relay: Awaited<ReturnType<typeof listenLocal>>;
  before(async () => {
    const [host, brokerPort] = [new URL(urls.mqttUrl).hostname, Number(new URL(urls.mqttUrl).port || 1883)];
    relay = await listenLocal((client) => {
      const broker = net.connect(brokerPort, host);
      broker.on('error', () => client.destroy());
      broker.on('close', () => client.destroy());
      client.on('close', () => broker.destroy());
      client.pipe(broker).pipe(client);
    });
  });
  after(() => relay?.close());

  test('the MQTT client createInfra made still reconnects when the broker goes away', async (t) => {
    const infra = await createInfra(servicesConfig(), { mqttUrl: `mqtt://127.0.0.1:${relay.port}` });
    try {
      const started = performance.now();
      relay.dropAll();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reconnect within ${FAST_MS} ms`)), FAST_MS);
        infra.mqtt!.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      t.diagnostic(`reconnected after ${Math.round(performance.now() - started)} ms`);
    } finally {
      await infra.close();
    }
  });
});
