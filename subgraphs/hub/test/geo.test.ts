import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readHubNetwork } from '../src/seeders/DemoSeeder.js';
import { haversineMeters } from '../src/domain/geo.js';

test('straight-line distances match docs/domain.md §8 for the seeded links', () => {
  const hubs = new Map(readHubNetwork().hubs.map((h) => [h.name, h]));
  const km = (a: string, b: string) => haversineMeters(hubs.get(a)!, hubs.get(b)!) / 1000;
  assert.ok(Math.abs(km('경기 남부 센터', '서울특별시 센터') - 38.9) < 0.2);
  assert.ok(Math.abs(km('대전광역시 센터', '전라남도 센터') - 189.9) < 0.2);
  assert.equal(haversineMeters(hubs.get('대구광역시 센터')!, hubs.get('대구광역시 센터')!), 0);
});

test('the hub network has 17 hubs and 18 links between known hubs', () => {
  const { hubs, links } = readHubNetwork();
  assert.equal(hubs.length, 17);
  assert.equal(links.length, 18);
  const ids = new Set(hubs.map((h) => h.id));
  assert.ok(links.every((l) => ids.has(l.a) && ids.has(l.b) && l.a !== l.b));
});
