/** The per-process snapshot of hubs and links that the `route` query reads instead of SQL. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EntityManager } from '@mikro-orm/core';
import { Hub } from '../src/entities/hub.entity.js';
import { HubNetworkCache } from '../src/services/hub-network.js';

/** Stands in for an EntityManager: counts the reads and answers from `rows`. */
function fakeEm(rows: { hubs: { id: string }[]; links: { id: string }[] }) {
  const counts = { reads: 0 };
  const em = {
    fork: () => em,
    find: async (entity: unknown) => {
      if (entity === Hub) counts.reads++;
      await new Promise((resolve) => setImmediate(resolve));
      return entity === Hub ? [...rows.hubs] : [...rows.links];
    },
  };
  return { em: em as unknown as EntityManager, counts };
}

test('the snapshot is read once per TTL, and concurrent callers share one read', async () => {
  const clock = { now: 0 };
  const { em, counts } = fakeEm({ hubs: [{ id: 'a' }, { id: 'b' }], links: [{ id: 'l1' }] });
  const cache = new HubNetworkCache({ ttlMs: 1000, now: () => clock.now });
  const [one, two] = await Promise.all([cache.get(em, ['a']), cache.get(em, ['b'])]);
  assert.equal(one, two);
  assert.equal(counts.reads, 1);
  assert.deepEqual([...one.hubs.keys()], ['a', 'b']);
  clock.now = 999;
  await cache.get(em, ['a', 'b']);
  assert.equal(counts.reads, 1);
  clock.now = 1000;
  await cache.get(em);
  assert.equal(counts.reads, 2, 'read again after the TTL');
});

test('a hub the snapshot does not hold is looked for at once: a new hub is routable without waiting', async () => {
  const rows = { hubs: [{ id: 'a' }], links: [] };
  const { em, counts } = fakeEm(rows);
  const cache = new HubNetworkCache({ ttlMs: 60_000 });
  await cache.get(em, ['a']);
  rows.hubs.push({ id: 'new' });
  const network = await cache.get(em, ['a', 'new']);
  assert.ok(network.hubs.has('new'));
  assert.equal(counts.reads, 2);
});
