/**
 * Fan-out of one subscription event to many graphql-ws subscribers (issue 7): SUBSCRIBERS clients subscribe to the
 * same `lockerUpdated(lockerId) { id name hub { id name } }`, then one event at a time goes to all of them.
 *
 * - gateway: the gateway (createGateway) over the two fixture subgraphs of gateway/test/subscriptions.fixtures.ts,
 *   `hub { name }` fetched from the hub subgraph per event; deduplicated, so one upstream subscription, one entity
 *   fetch, one execution and one JSON.stringify per event, whatever the number of subscribers.
 * - bare: a plain graphql-ws server (useServer) with an in-process pub/sub and the same subscription resolved in
 *   process (no federation, no auth): graphql-js executes and serializes the event once per subscriber.
 *
 * Each server runs in a child process of its own (its RSS is its own), the clients in another (raw graphql-ws
 * protocol over `ws`, each on its own connection, each timing what it receives). Latency = arrival at a client −
 * the moment the benchmark published (performance.timeOrigin + now(), comparable across processes on one machine).
 * Reported: p50 / p99 / max delivery latency, the server's peak RSS, entity fetches (hub resolutions) per event,
 * and what the gateway's one serialization saves per subscriber. Loopback only; every child is stopped at the end.
 *
 *   npx tsx bench/fanout.bench.ts [--subscribers 10000] [--events 5]
 * Goal (issue 7): p99 ≤ 250 ms, RSS ≤ 1 GB, 1 entity fetch per event.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { stringifyMessage, MessageType } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import { SessionRegistry } from '../lib/auth/sessions.js';
import { signAccessToken } from '../lib/auth/tokens.js';
import { loadConfig } from '../lib/config/index.js';
import { listen } from '../lib/http/index.js';
import { createInfra } from '../lib/infra/index.js';
import { MemoryKeyValueStore } from '../lib/infra/kv.js';
import { MemoryPubSub, typedPubSub } from '../lib/infra/pubsub.js';
import { createLogger } from '../lib/logger/index.js';
import { bootSubgraph } from '../lib/subgraph/boot.js';
import { createGateway } from '../gateway/src/server.js';
import {
  fixtureSupergraph,
  hubFixture,
  lockerFixture,
  lockerTopic,
  type LockerEvent,
  type LockerTopics,
} from '../gateway/test/subscriptions.fixtures.js';

const SELF = fileURLToPath(import.meta.url);
const QUERY = 'subscription Watch($id: ID!) { lockerUpdated(lockerId: $id) { id name hub { id name } } }';
const LOCKER_ID = '0190f000-0000-7000-8000-00000000b001';
const HUB_ID = '0190f000-0000-7000-8000-00000000b0b0';
const silent = createLogger('silent', 'bench');
const now = () => performance.timeOrigin + performance.now();
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
/** What every role sends its parent over IPC. */
type Message = { type: string; [key: string]: unknown };
const reply = (message: Message) => process.send!(message);
const onMessage = (handler: (message: Message) => void | Promise<void>) =>
  process.on('message', (m: Message) => void handler(m));

// ---------------------------------------------------------------------------------------------------------- roles

/** Samples the process's RSS every 50 ms; answers `stats` with the peak. */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50).unref();
  return () => ({ rss: process.memoryUsage().rss, peak });
}

async function gatewayRole() {
  const { lockerUrl, hubUrl } = JSON.parse(process.argv[3]!) as { lockerUrl: string; hubUrl: string };
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SUBSCRIPTIONS_PER_USER: '1000000',
    RATE_LIMITS: 'off',
  });
  const kv = new MemoryKeyValueStore();
  const viewer = {
    kind: 'user' as const,
    userId: randomUUID(),
    role: 'MEMBER' as const,
    hubId: null,
    firmId: null,
    sessionId: randomUUID(),
    tokenVersion: 0,
  };
  await new SessionRegistry(kv, 3600).start(viewer.sessionId, viewer.userId);
  const token = await signAccessToken(viewer, { secret: config.auth.jwtSecret, ttlSeconds: 3600 });
  const unused = 'http://127.0.0.1:1/graphql';
  const gateway = await createGateway({
    config,
    supergraphSdl: fixtureSupergraph(),
    subgraphUrls: { locker: lockerUrl, hub: hubUrl, user: unused, order: unused, delivery: unused },
    kv,
    logger: silent,
  });
  const listening = await listen(gateway.app, 0);
  gateway.attach(listening.server);
  const stats = rssSampler();
  onMessage((m) => {
    if (m.type === 'stats') reply({ type: 'stats', ...stats() });
  });
  reply({ type: 'ready', url: `${listening.url}/graphql`, token });
}

async function bareRole() {
  const pubsub = typedPubSub<LockerTopics>(new MemoryPubSub());
  let hubResolutions = 0;
  const schema = buildSchema(`type Query { ping: String }
    type Hub { id: ID! name: String! }
    type Locker { id: ID! name: String! hub: Hub }
    type Subscription { lockerUpdated(lockerId: ID!): Locker! }`);
  const lockerUpdated = schema.getSubscriptionType()!.getFields().lockerUpdated!;
  lockerUpdated.subscribe = (_: unknown, { lockerId }: { lockerId: string }) => pubsub.iterate(lockerTopic(lockerId));
  lockerUpdated.resolve = (event: LockerEvent) => event;
  (schema.getType('Locker') as GraphQLObjectType).getFields().hub!.resolve = (locker: LockerEvent) => {
    hubResolutions++;
    return locker.hubId ? { id: locker.hubId, name: `Hub ${locker.hubId}` } : null;
  };
  const server = http.createServer();
  const wss = new WebSocketServer({ server, path: '/graphql' });
  useServer({ schema }, wss);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const stats = rssSampler();
  onMessage(async (m) => {
    if (m.type === 'publish') await pubsub.publish(lockerTopic(LOCKER_ID), m.event as LockerEvent);
    if (m.type === 'stats') reply({ type: 'stats', ...stats(), hubResolutions });
  });
  const { port } = server.address() as { port: number };
  reply({ type: 'ready', url: `http://127.0.0.1:${port}/graphql`, token: '' });
}

async function clientsRole() {
  const { url, count, token } = JSON.parse(process.argv[3]!) as { url: string; count: number; token: string };
  /** Arrival times per event name. */
  const arrivals = new Map<string, number[]>();
  const sockets: WebSocket[] = [];
  let acknowledged = 0;
  const subscribe = JSON.stringify({
    id: '1',
    type: 'subscribe',
    payload: { query: QUERY, variables: { id: LOCKER_ID } },
  });
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { perMessageDeflate: false });
      sockets.push(ws);
      ws.once('error', reject);
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      ws.on('message', (data: Buffer) => {
        const at = now();
        // The arrival is timed before anything else; the name is read from the raw text (no JSON.parse per message).
        const text = data.toString();
        if (text.startsWith('{"type":"connection_ack"')) {
          ws.send(subscribe);
          acknowledged++;
          return resolve();
        }
        const name = /"name":"([^"]*)"/.exec(text)?.[1];
        if (!name) return;
        let list = arrivals.get(name);
        if (!list) arrivals.set(name, (list = []));
        list.push(at);
      });
    });
  // A bounded number of handshakes at a time: the server's accept queue is 511 deep.
  for (let i = 0; i < count; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - i) }, open));
  }
  onMessage((m) => {
    if (m.type === 'count') reply({ type: 'count', name: m.name, count: arrivals.get(m.name as string)?.length ?? 0 });
    if (m.type === 'arrivals') reply({ type: 'arrivals', name: m.name, times: arrivals.get(m.name as string) ?? [] });
    if (m.type === 'close') {
      for (const ws of sockets) ws.terminate();
      reply({ type: 'close' });
    }
  });
  reply({ type: 'ready', acknowledged });
}

// ---------------------------------------------------------------------------------------------------- orchestrator

/** A child running one role of this file; `ask` sends a message and resolves with its answer of the same type. */
function child(roleName: string, args: unknown) {
  const process_ = fork(SELF, [roleName, JSON.stringify(args)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (message: Message, timeoutMs = 120_000) =>
    new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${roleName}: no answer to ${message.type}`)), timeoutMs);
      const onAnswer = (answer: Message) => {
        if (answer.type !== message.type) return;
        process_.off('message', onAnswer);
        clearTimeout(timer);
        resolve(answer);
      };
      process_.on('message', onAnswer);
      process_.send(message);
    });
  const ready = new Promise<Message>((resolve, reject) => {
    process_.once('message', resolve);
    process_.once('exit', (code) => reject(new Error(`${roleName} exited (${code}) before it was ready`)));
  });
  return { process: process_, ask, ready };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function orchestrate() {
  const SUBSCRIBERS = arg('subscribers', 10_000);
  const EVENTS = arg('events', 5);
  const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-fanout-'));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir, RATE_LIMITS: 'off' });
  const infra = await createInfra(config, {});
  const counters = { locker: { opened: 0, open: 0 }, hub: { requests: 0 } };
  const urls: Record<string, string> = {};
  const children: ChildProcess[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    for (const def of [
      lockerFixture(counters.locker, path.join(dir, 'locker')),
      hubFixture(counters.hub, path.join(dir, 'hub')),
    ]) {
      const booted = await bootSubgraph(def, { config, infra, logger: silent, port: 0, seed: false });
      stops.push(() => booted.stop());
      urls[def.name] = booted.url;
    }
    console.log(`fan-out of one event to ${SUBSCRIBERS} graphql-ws subscribers, ${EVENTS} events each (loopback)`);
    serializationCost();

    const rows: Record<string, string | number>[] = [];
    for (const target of ['bare', 'gateway'] as const) {
      const server = child(target, { lockerUrl: urls.locker, hubUrl: urls.hub });
      children.push(server.process);
      const { url, token } = (await server.ready) as Message & { url: string; token: string };
      const clients = child('clients', { url, count: SUBSCRIBERS, token });
      children.push(clients.process);
      const connectedAt = performance.now();
      const ready = await clients.ready;
      const connectMs = performance.now() - connectedAt;
      if (ready.acknowledged !== SUBSCRIBERS)
        throw new Error(`${target}: only ${String(ready.acknowledged)} connected`);

      const publish = (name: string) => {
        const event: LockerEvent = { id: LOCKER_ID, name, hubId: HUB_ID };
        if (target === 'bare') server.process.send({ type: 'publish', event });
        else void typedPubSub<LockerTopics>(infra.pubsub).publish(lockerTopic(LOCKER_ID), event);
      };
      const delivered = async (name: string, timeoutMs: number) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const { count } = (await clients.ask({ type: 'count', name })) as Message & { count: number };
          if (count >= SUBSCRIBERS || Date.now() > deadline) return count;
          await sleep(50);
        }
      };
      // Subscriptions go live a moment after the handshake: warm up until one event reaches everyone.
      for (let i = 1; ; i++) {
        if (i > 30) throw new Error(`${target}: warm-up never reached every subscriber`);
        publish(`warm-up-${i}`);
        if ((await delivered(`warm-up-${i}`, 2000)) >= SUBSCRIBERS) break;
      }
      await sleep(500);

      const fetchesBefore = target === 'gateway' ? counters.hub.requests : await hubResolutions(server.ask);
      const latencies: number[] = [];
      let lost = 0;
      for (let i = 1; i <= EVENTS; i++) {
        const name = `event-${i}`;
        const sentAt = now();
        publish(name);
        lost += SUBSCRIBERS - (await delivered(name, 15_000));
        const { times } = (await clients.ask({ type: 'arrivals', name })) as Message & { times: number[] };
        latencies.push(...times.map((t) => t - sentAt));
        await sleep(300);
      }
      const fetchesAfter = target === 'gateway' ? counters.hub.requests : await hubResolutions(server.ask);
      const { peak } = (await server.ask({ type: 'stats' })) as Message & { peak: number };
      latencies.sort((a, b) => a - b);
      rows.push({
        server: target,
        'p50 ms': percentile(latencies, 0.5).toFixed(1),
        'p99 ms': percentile(latencies, 0.99).toFixed(1),
        'max ms': latencies.at(-1)!.toFixed(1),
        lost,
        'peak RSS MB': (peak / 2 ** 20).toFixed(0),
        'entity fetches / event': (fetchesAfter - fetchesBefore) / EVENTS,
        'connect s': (connectMs / 1000).toFixed(1),
      });
      await clients.ask({ type: 'close' });
      clients.process.kill();
      server.process.kill();
      await Promise.all([once(clients.process, 'exit'), once(server.process, 'exit')]);
    }
    console.table(rows);
    const [bare, gateway] = rows as { 'p99 ms': string; 'p50 ms': string }[];
    console.log(
      `gateway / bare: p50 ${(Number(gateway!['p50 ms']) / Number(bare!['p50 ms'])).toFixed(2)}×, ` +
        `p99 ${(Number(gateway!['p99 ms']) / Number(bare!['p99 ms'])).toFixed(2)}×; upstream subscriptions opened ` +
        `by the gateway: ${counters.locker.opened} (hub fetches count HTTP requests to the hub subgraph; ` +
        `the bare server's count hub resolutions)`,
    );
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await infra.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function hubResolutions(ask: (m: Message) => Promise<Message>) {
  return ((await ask({ type: 'stats' })) as Message & { hubResolutions: number }).hubResolutions;
}

/**
 * What one subscriber's message costs the server to produce: graphql-ws serializing the whole message (what any
 * server that hands graphql-ws a result does, per subscriber) against the gateway's message around the result it
 * serialized once (ws.ts). Same bytes.
 */
function serializationCost() {
  const result = {
    data: {
      lockerUpdated: { id: LOCKER_ID, name: 'Songpa Shared Office', hub: { id: HUB_ID, name: '서울특별시 센터' } },
    },
  };
  const json = JSON.stringify(result);
  const N = 100_000;
  const time = (fn: (id: string) => string) => {
    const ids = Array.from({ length: N }, () => randomUUID());
    const messages: string[] = [];
    const t = performance.now();
    for (const id of ids) messages.push(fn(id));
    return { us: ((performance.now() - t) * 1000) / N, sample: messages[0]!.replace(ids[0]!, '') };
  };
  const whole = time((id) => stringifyMessage({ id, type: MessageType.Next, payload: result }));
  const prefixed = time((id) => `{"id":${JSON.stringify(id)},"type":"next","payload":${json}}`);
  console.log(
    `per subscriber, one ${json.length}-byte result: graphql-ws stringifies the message in ${whole.us.toFixed(2)} µs, ` +
      `the gateway wraps its one serialization in ${prefixed.us.toFixed(2)} µs ` +
      `(${whole.sample === prefixed.sample ? 'same bytes' : 'BYTES DIFFER'})`,
  );
}

// One file, four roles: this process orchestrates; its children are a server (gateway or bare) and the clients.
const role = process.argv[2];
if (role === 'gateway') await gatewayRole();
else if (role === 'bare') await bareRole();
else if (role === 'clients') await clientsRole();
else await orchestrate();
