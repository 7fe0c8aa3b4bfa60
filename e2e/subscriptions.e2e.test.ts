/**
 * Federated subscriptions on the whole platform (real MariaDB, Redis and Mosquitto): `lockerUpdated` is owned by
 * the locker subgraph and its `hub { name }` comes from the hub subgraph, per event, through the gateway's plan.
 * A locker gateway reports its state with its device key, and every subscriber sees it over graphql-ws, SSE and
 * multipart; a subscription to the supergraph's other Subscription fields is planned the same way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dropTestDatabases, postGraphQL, realServicesConfig, silentLogger } from '../lib/testing/index.js';
import { startPlatform, type Platform } from '../tools/platform.js';
import { subscribeOver, type TestSubscriber, type Transport } from '../gateway/test/subscriptions.fixtures.js';

/** The demo locker "Songpa Shared Office" (data/demo/lockers.json) at the Seoul hub. */
const LOCKER_ID = '0190f000-0000-7000-8000-000500000001';
const SUBSCRIPTION = `subscription Watch($id: ID!) {
  lockerUpdated(lockerId: $id) { id name hub { name } compartments { index state } }
}`;
const REPORT = `mutation Report($id: ID!, $key: String!, $state: LockerStateInput!) {
  reportLockerState(lockerId: $id, deviceKey: $key, state: $state) { id }
}`;

const config = realServicesConfig();
let platform: Platform;
let master: string;
const subscribers: TestSubscriber[] = [];

const q = (query: string, variables?: Record<string, unknown>, token?: string) =>
  postGraphQL(platform.gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});

before(async () => {
  platform = await startPlatform({ config, logger: silentLogger, ports: 'ephemeral', seed: true });
  const signIn = await q('mutation { signIn(username: "master", password: "hubgraph-demo") { accessToken } }');
  master = signIn.body.data!.signIn.accessToken;
});
after(async () => {
  await Promise.allSettled(subscribers.map((s) => s.close()));
  await platform?.stop();
  await dropTestDatabases(config);
});

test('a locker gateway’s report reaches lockerUpdated subscribers over graphql-ws, SSE and multipart, with the hub’s name', async () => {
  const registered = await q(
    'mutation($id: ID!) { registerLockerDevice(lockerId: $id) { key } }',
    { id: LOCKER_ID },
    master,
  );
  assert.equal(registered.body.errors, undefined, JSON.stringify(registered.body.errors));
  const key = registered.body.data!.registerLockerDevice.key as string;
  const report = (occupied: boolean) =>
    q(REPORT, {
      id: LOCKER_ID,
      key,
      state: {
        compartments: [1, 2, 3, 4, 5, 6].map((index) => ({ index, door: 'CLOSED', occupied: index === 2 && occupied })),
        ts: Date.now(),
      },
    });

  const transports: Transport[] = ['graphql-ws', 'sse', 'multipart'];
  for (const transport of transports) {
    subscribers.push(
      subscribeOver(transport, platform.gatewayUrl, {
        query: SUBSCRIPTION,
        variables: { id: LOCKER_ID },
        token: master,
      }),
    );
  }
  // A subscription goes live a moment after it is opened: report until every subscriber has seen one.
  let occupied = false;
  for (let attempt = 0; !subscribers.every((s) => s.received.length > 0); attempt++) {
    assert.ok(attempt < 40, 'no report reached every subscriber');
    occupied = !occupied;
    const r = await report(occupied);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const s of subscribers) s.skip();

  await report(!occupied);
  for (const [i, s] of subscribers.entries()) {
    const result = await s.next();
    assert.equal(result.errors, undefined, `${transports[i]}: ${JSON.stringify(result.errors)}`);
    const locker = result.data!.lockerUpdated;
    assert.equal(locker.id, LOCKER_ID);
    assert.equal(locker.hub.name, '서울특별시 센터', 'the hub subgraph’s field, fetched for the event');
    assert.equal(
      locker.compartments.find((c: { index: number }) => c.index === 2).state,
      occupied ? 'AVAILABLE' : 'OCCUPIED',
    );
  }
});

test('a subscription over plain HTTP without a streaming Accept header is still refused', async () => {
  const r = await q(SUBSCRIPTION, { id: LOCKER_ID }, master);
  assert.equal(r.status, 400);
  assert.equal(r.body.errors![0]!.extensions!.code, 'SUBSCRIPTION_NOT_SUPPORTED');
});
