/**
 * Two small subgraphs for the subscription tests and the fan-out benchmark, in the shape of `lockerUpdated` with its
 * `hub { name }` (docs/contract.md): "locker" owns a Subscription field fed by its pub/sub (lib/infra, Redis on the
 * real services), and "hub" adds `Hub.name` to the locker's hub reference, so each event needs an entity fetch.
 * Each counts what the tests assert: subscriptions opened and still open on the locker side, requests on the hub side.
 *
 * Plain definitions (no lib/subgraph import: the gateway's code may not depend on the subgraph platform); tests boot
 * them with lib/testing, the benchmark with lib/subgraph. Their SDLs are composed here with @apollo/composition.
 */
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeServices } from '@apollo/composition';
import { defineEntity, p } from '@mikro-orm/core';
import { Seeder } from '@mikro-orm/seeder';
import { parse, type GraphQLFormattedError } from 'graphql';
import { gql } from 'graphql-tag';
import { createClient } from 'graphql-ws/client';
import WebSocket from 'ws';
import type { Viewer } from '../../lib/auth/viewer.js';
import { typedPubSub, type PubSub } from '../../lib/infra/pubsub.js';

/** What a fixture's resolvers read of the subgraph platform's context (lib/subgraph BaseContext). */
interface FixtureContext {
  viewer: Viewer;
  deps: { infra: { pubsub: PubSub } };
}

/** A locker's state as the fixture publishes it: `lockerUpdated` resolves to it. */
export interface LockerEvent {
  id: string;
  name: string;
  /** The hub the locker stands in (resolved by the hub subgraph); null for none. */
  hubId: string | null;
  /** The publisher's clock when it published (ms since the epoch, sub-ms precision): the benchmark's latency. */
  sentAt?: number;
}
export type LockerTopics = { [topic: `locker:${string}`]: LockerEvent };

export const lockerTopic = (lockerId: string) => `locker:${lockerId}` as const;

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

export const LOCKER_SDL = `${FEDERATION}
type Query { ping: String }
type Locker @key(fields: "id") {
  id: ID!
  name: String!
  "Nullable, so that a hub subgraph that is down leaves the rest of the event."
  hub: Hub
  "The user the subgraph saw in the subscription's passport."
  seenBy: String!
  "Fails with a raw error inside the subgraph, whose message must never reach a client."
  secret: String
  sentAt: Float
  "Always empty; lets a document nest deep and cost much (demand control)."
  nearby: [Locker!]!
}
type Hub @key(fields: "id", resolvable: false) { id: ID! }
type Subscription { lockerUpdated(lockerId: ID!): Locker! }`;

export const HUB_SDL = `${FEDERATION}
type Query { hubName(id: ID!): String }
type Hub @key(fields: "id") { id: ID! name: String! }`;

/** The supergraph of the two fixtures, as `npm run compose` would compose it. */
export function fixtureSupergraph(sdl = { locker: LOCKER_SDL, hub: HUB_SDL }): string {
  const result = composeServices([
    { name: 'locker', url: 'http://127.0.0.1:1/graphql', typeDefs: parse(sdl.locker) },
    { name: 'hub', url: 'http://127.0.0.1:1/graphql', typeDefs: parse(sdl.hub) },
  ]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

/** What the locker fixture counts. */
export interface LockerCounters {
  /** `lockerUpdated` subscriptions opened (subscribe resolver runs). */
  opened: number;
  /** Of those, still open (their topic iterator not yet returned). */
  open: number;
}

/** What the hub fixture counts: HTTP requests it served (each `_entities` fetch is one). */
export interface HubCounters {
  requests: number;
}

/** A table so the ORM has an entity to discover; the fixtures store nothing. */
const entity = (name: string) =>
  defineEntity({ name, tableName: name.toLowerCase(), properties: { id: p.string().primary() } });

class NoSeeder extends Seeder {
  async run() {}
}

export function lockerFixture(counters: LockerCounters, migrationsPath: string) {
  return {
    name: 'locker' as const,
    typeDefs: gql(LOCKER_SDL),
    resolvers: {
      Subscription: {
        lockerUpdated: {
          subscribe: async (_: unknown, { lockerId }: { lockerId: string }, ctx: FixtureContext) => {
            const events = await typedPubSub<LockerTopics>(ctx.deps.infra.pubsub).iterate(lockerTopic(lockerId));
            counters.opened++;
            counters.open++;
            let closed = false;
            const close = events.return!.bind(events);
            events.return = () => {
              if (!closed) counters.open--;
              closed = true;
              return close();
            };
            return events;
          },
          resolve: (event: LockerEvent) => event,
        },
      },
      Locker: {
        hub: (locker: LockerEvent) => (locker.hubId ? { __typename: 'Hub', id: locker.hubId } : null),
        seenBy: (_: LockerEvent, _args: unknown, ctx: FixtureContext) =>
          ctx.viewer.kind === 'user' ? ctx.viewer.userId : 'anonymous',
        nearby: () => [],
        secret: () => {
          throw new Error('connect ECONNREFUSED 10.0.0.7:3306 (SELECT secret FROM lockers)');
        },
      },
    },
    entities: [entity('LockerFixture')],
    migrationsPath,
    demoSeeder: NoSeeder,
    createContext: <T extends FixtureContext>(base: T) => base,
  };
}

export function hubFixture(counters: HubCounters, migrationsPath: string) {
  return {
    name: 'hub' as const,
    typeDefs: gql(HUB_SDL),
    resolvers: {
      Query: { hubName: (_: unknown, { id }: { id: string }) => `Hub ${id}` },
      Hub: { __resolveReference: ({ id }: { id: string }) => ({ id, name: `Hub ${id}` }) },
    },
    entities: [entity('HubFixture')],
    migrationsPath,
    demoSeeder: NoSeeder,
    // One context per request the subgraph serves.
    createContext: <T extends FixtureContext>(base: T) => {
      counters.requests++;
      return base;
    },
  };
}

/** A TCP relay in front of a subgraph, so that a test can take it away from the gateway and bring it back. */
export interface SubgraphProxy {
  /** The URL the gateway is given: the relay's port, the subgraph's path. */
  url: string;
  /** Cuts every relayed connection and refuses new ones: to the gateway, the subgraph is down. */
  down(): void;
  /** Relays again, to `targetUrl` when given (a subgraph restarted on another port). */
  up(targetUrl?: string): void;
  close(): Promise<void>;
}

export async function subgraphProxy(targetUrl: string): Promise<SubgraphProxy> {
  let target = new URL(targetUrl);
  let isDown = false;
  const down = () => {
    isDown = true;
    for (const socket of sockets) socket.destroy();
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (isDown) return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    down,
    up(targetUrl) {
      if (targetUrl) target = new URL(targetUrl);
      isDown = false;
    },
    async close() {
      down();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A result as a subscriber receives it. */
export interface Received {
  data?: Record<string, any> | null;
  errors?: GraphQLFormattedError[];
}

/** How a test subscription ended: completed, or failed with errors (and, over HTTP, the refusal's status). */
export interface Ended {
  errors?: readonly GraphQLFormattedError[];
  status?: number;
  /** graphql-ws: the socket's close code, when the connection itself was refused or closed. */
  closeCode?: number;
  closeReason?: string;
}

/** One subscription as a test sees it, whatever its transport. */
export interface TestSubscriber {
  readonly received: Received[];
  /** The next result not yet taken; fails after `timeoutMs`. */
  next(timeoutMs?: number): Promise<Received>;
  /** Takes every result received so far. */
  skip(): void;
  /** Results received and not yet taken. */
  readonly pending: number;
  readonly ended: Promise<Ended>;
  /** Multipart: heartbeats received. */
  heartbeats: number;
  close(): Promise<void>;
}

export type Transport = 'graphql-ws' | 'sse' | 'multipart';

export interface SubscribeRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** An access token, sent as `Authorization: Bearer …` (connectionParams over graphql-ws). */
  token?: string;
}

class Inbox implements TestSubscriber {
  readonly received: Received[] = [];
  heartbeats = 0;
  private taken = 0;
  private waiters: (() => void)[] = [];
  private finish!: (ended: Ended) => void;
  readonly ended = new Promise<Ended>((resolve) => (this.finish = resolve));

  constructor(readonly close: () => Promise<void>) {}

  push(result: Received) {
    this.received.push(result);
    for (const wake of this.waiters.splice(0)) wake();
  }

  end(ended: Ended) {
    this.finish(ended);
    for (const wake of this.waiters.splice(0)) wake();
  }

  skip() {
    this.taken = this.received.length;
  }

  get pending() {
    return this.received.length - this.taken;
  }

  async next(timeoutMs = 5000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.ended.then(() => (ended = true));
    while (this.taken >= this.received.length) {
      if (ended) throw new Error('the subscription ended before another result');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no result within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await Promise.resolve();
    }
    return this.received[this.taken++]!;
  }
}

/** A graphql-ws connection with the token in connectionParams; several subscriptions may share it. */
export function wsConnection(graphqlUrl: string, token?: string) {
  let closed: Ended | undefined;
  const client = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    // Open until closed, so that a test can subscribe again on the same connection.
    lazy: false,
    onNonLazyError: () => {},
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        closed = { closeCode: code, closeReason: reason };
      },
    },
  });
  return {
    subscribe(request: Omit<SubscribeRequest, 'token'>): TestSubscriber {
      let unsubscribe = () => {};
      const inbox = new Inbox(async () => unsubscribe());
      unsubscribe = client.subscribe<Record<string, any>>(
        { query: request.query, variables: request.variables, operationName: request.operationName },
        {
          next: (result) => inbox.push(result as Received),
          error: (error) =>
            inbox.end(
              Array.isArray(error) ? { errors: error as GraphQLFormattedError[] } : (closed ?? { closeCode: -1 }),
            ),
          complete: () => inbox.end(closed ?? {}),
        },
      );
      return inbox;
    },
    close: async () => {
      await client.dispose();
    },
  };
}

/** One subscription over `transport`; graphql-ws gets a connection of its own. */
export function subscribeOver(transport: Transport, graphqlUrl: string, request: SubscribeRequest): TestSubscriber {
  if (transport === 'graphql-ws') {
    const connection = wsConnection(graphqlUrl, request.token);
    const subscriber = connection.subscribe(request);
    const close = subscriber.close;
    return Object.assign(subscriber, {
      close: async () => {
        await close();
        await connection.close();
      },
    });
  }
  const controller = new AbortController();
  const inbox = new Inbox(async () => controller.abort());
  const accept =
    transport === 'sse' ? 'text/event-stream' : 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"';
  const headers: Record<string, string> = { 'content-type': 'application/json', accept };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  const body = JSON.stringify({
    query: request.query,
    variables: request.variables,
    operationName: request.operationName,
  });
  void (async () => {
    const res = await fetch(graphqlUrl, { method: 'POST', headers, body, signal: controller.signal });
    if (!res.ok) {
      const { errors } = (await res.json()) as { errors: GraphQLFormattedError[] };
      return inbox.end({ status: res.status, errors });
    }
    const parse = transport === 'sse' ? sseEvents : multipartParts;
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      buffer = parse(buffer, inbox);
    }
    inbox.end({});
  })().catch((err: unknown) => inbox.end({ errors: [{ message: String(err) }] }));
  return inbox;
}

/** graphql-sse's events: `event: next|complete`, `data: <json>`, blank line; comment lines are keep-alives. */
function sseEvents(buffer: string, inbox: Inbox): string {
  let end: number;
  while ((end = buffer.indexOf('\n\n')) >= 0) {
    const lines = buffer.slice(0, end).split('\n');
    buffer = buffer.slice(end + 2);
    const event = lines
      .find((l) => l.startsWith('event:'))
      ?.slice(6)
      .trim();
    const data = lines
      .find((l) => l.startsWith('data:'))
      ?.slice(5)
      .trim();
    if (event === 'next' && data) inbox.push(JSON.parse(data) as Received);
    if (event === 'complete') {
      const last = inbox.received.at(-1);
      inbox.end(last && !('data' in last) ? { errors: last.errors } : {});
    }
  }
  return buffer;
}

/** Apollo's multipart parts: `{}` heartbeats, `{"payload": …}` results, `{"payload": null, "errors": …}` failures. */
function multipartParts(buffer: string, inbox: Inbox): string {
  const boundary = '\r\n--graphql';
  const segments = buffer.split(boundary);
  // Before the first boundary: nothing; after the last one: a part still arriving, or the close delimiter.
  const rest = segments.pop()!;
  for (const segment of segments.slice(1)) {
    const json = JSON.parse(segment.slice(segment.indexOf('\r\n\r\n') + 4)) as {
      payload?: Received | null;
      errors?: GraphQLFormattedError[];
    };
    if (!('payload' in json)) inbox.heartbeats++;
    else if (json.payload) inbox.push(json.payload);
    else inbox.end({ errors: json.errors });
  }
  if (rest.startsWith('--')) inbox.end({});
  return segments.length ? boundary + rest : rest;
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Publishes warm-up events (`publish(name)`) until every subscriber has one (an upstream goes live a moment after it
 * is opened), then waits for the last one everywhere, so that the next event a test publishes is the next one each
 * subscriber receives. Results carry `lockerUpdated.name`.
 */
export async function warmUp(publish: (name: string) => Promise<unknown>, subscribers: TestSubscriber[]) {
  let last = '';
  for (let attempt = 1; !subscribers.every((s) => s.received.length > 0); attempt++) {
    if (attempt > 20) throw new Error('no warm-up event reached every subscriber');
    last = `warm-up ${attempt}`;
    await publish(last);
    await waitFor('', () => subscribers.every((s) => s.received.length > 0), 250).catch(() => undefined);
  }
  await waitFor('the last warm-up everywhere', () =>
    subscribers.every((s) => s.received.at(-1)?.data?.lockerUpdated?.name === last),
  );
  for (const s of subscribers) s.skip();
}
