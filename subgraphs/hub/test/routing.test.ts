import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { haversineMeters } from '../src/domain/geo.js';
import { InvalidGraphError, shortestPath, UnknownHubError, type GraphLink } from '../src/routing/dijkstra.js';
import { EstimateEtaProvider, estimateLinkEta } from '../src/routing/estimate.js';
import type { HubPoint, LinkEta } from '../src/routing/eta.js';
import { MinHeap } from '../src/routing/min-heap.js';

/** mulberry32: a seeded PRNG, so that a failing random case can be replayed from its seed. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const shuffled = <T>(items: readonly T[]) => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  return { int, shuffled };
}

interface WeightedLink extends GraphLink {
  w: number;
}
const graphOf = (hubIds: string[], links: WeightedLink[]) => ({ hubIds, links, weight: (l: WeightedLink) => l.w });
const link = (a: string, b: string, w: number): WeightedLink => ({ a, b, w });

test('the heap pops in sorted order, with pushes and pops interleaved (random inputs vs sort)', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = random(seed);
    const heap = new MinHeap<number>((a, b) => a - b);
    const model: number[] = [];
    const popped: number[] = [];
    const expected: number[] = [];
    const operations = rnd.int(300);
    for (let i = 0; i < operations; i++) {
      if (rnd.int(3) > 0) {
        const value = rnd.int(50) - 10; // small range: many duplicates and negatives
        heap.push(value);
        model.push(value);
      } else {
        model.sort((a, b) => a - b);
        expected.push(...model.splice(0, 1));
        const top = heap.pop();
        if (top !== undefined) popped.push(top);
      }
      assert.equal(heap.size, model.length, `seed ${seed}`);
    }
    model.sort((a, b) => a - b);
    assert.equal(heap.peek(), model[0], `seed ${seed}`);
    while (heap.size > 0) popped.push(heap.pop()!);
    assert.deepEqual(popped, [...expected, ...model], `seed ${seed}`);
    assert.equal(heap.pop(), undefined);
  }
});

test('a toy graph: the light detour beats the heavy direct link, and legs keep their links and direction', () => {
  const ab = link('B', 'A', 2); // stored backwards on purpose
  const bc = link('B', 'C', 3);
  const ac = link('A', 'C', 10);
  const cd = link('C', 'D', 1);
  const graph = graphOf(['A', 'B', 'C', 'D', 'E'], [ab, bc, ac, cd]);
  const path = shortestPath(graph, 'A', 'D');
  assert.deepEqual(path, {
    hubIds: ['A', 'B', 'C', 'D'],
    legs: [
      { from: 'A', to: 'B', link: ab, weight: 2 },
      { from: 'B', to: 'C', link: bc, weight: 3 },
      { from: 'C', to: 'D', link: cd, weight: 1 },
    ],
    totalWeight: 6,
  });
  assert.deepEqual(shortestPath(graph, 'D', 'A')?.hubIds, ['D', 'C', 'B', 'A']);
});

test('ties go to fewer legs, then to the smaller hub ids, and zero-weight links count', () => {
  // A→D weighs 4 over A-B-C-D, A-X-D and A-Y-D. The 3-leg path loses on legs although its ids are smallest;
  // A-Y-D is found first (Y settles before X) and loses to A-X-D on ids.
  const links = [link('A', 'B', 1), link('B', 'C', 1), link('C', 'D', 2)];
  links.push(link('A', 'Y', 1), link('Y', 'D', 3), link('A', 'X', 2), link('X', 'D', 2));
  const path = shortestPath(graphOf(['A', 'B', 'C', 'D', 'X', 'Y'], links), 'A', 'D');
  assert.deepEqual(path?.hubIds, ['A', 'X', 'D']);
  assert.equal(path?.totalWeight, 4);
  // Zero-weight links are legs too (a free hop is still a hand-over): the direct link wins over a free detour.
  const free = [link('A', 'B', 0), link('B', 'C', 0), link('A', 'C', 0)];
  assert.deepEqual(shortestPath(graphOf(['A', 'B', 'C'], free), 'A', 'C')?.hubIds, ['A', 'C']);
});

/** Every simple path from `from` to `to`, by depth-first search. */
function allSimplePaths(links: WeightedLink[], from: string, to: string): { hubIds: string[]; weight: number }[] {
  const out: { hubIds: string[]; weight: number }[] = [];
  const walk = (hubIds: string[], weight: number) => {
    const here = hubIds[hubIds.length - 1]!;
    if (here === to) return void out.push({ hubIds, weight });
    for (const l of links) {
      const next = l.a === here ? l.b : l.b === here ? l.a : null;
      if (next !== null && !hubIds.includes(next)) walk([...hubIds, next], weight + l.w);
    }
  };
  walk([from], 0);
  return out;
}

const byIds = (x: string[], y: string[]) => {
  const i = x.findIndex((id, k) => id !== y[k]);
  return i < 0 ? x.length - y.length : x[i]! < y[i]! ? -1 : 1;
};

test('Dijkstra agrees with brute force over all simple paths on random small graphs, in any input order', () => {
  for (let seed = 1; seed <= 2000; seed++) {
    const rnd = random(seed);
    const hubIds = Array.from({ length: 2 + rnd.int(7) }, (_, i) => `h${i}`);
    const links: WeightedLink[] = [];
    for (let i = 0; i < hubIds.length; i++) {
      for (let j = i + 1; j < hubIds.length; j++) {
        // Weights 0..3 force many ties; about half the pairs are linked, so some graphs are disconnected.
        if (rnd.int(2) === 0) links.push(link(hubIds[i]!, hubIds[j]!, rnd.int(4)));
      }
    }
    const from = hubIds[rnd.int(hubIds.length)]!;
    const to = hubIds[rnd.int(hubIds.length)]!;
    const [best] = allSimplePaths(links, from, to).sort(
      (x, y) => x.weight - y.weight || x.hubIds.length - y.hubIds.length || byIds(x.hubIds, y.hubIds),
    );
    const context = `seed ${seed}: ${from} → ${to} over ${JSON.stringify(links)}`;
    for (const graph of [graphOf(hubIds, links), graphOf(rnd.shuffled(hubIds), rnd.shuffled(links))]) {
      const path = shortestPath(graph, from, to);
      if (!best) {
        assert.equal(path, null, context);
        continue;
      }
      assert.deepEqual(path?.hubIds, best.hubIds, context);
      assert.equal(path?.totalWeight, best.weight, context);
      assert.equal(
        path?.legs.reduce((sum, leg) => sum + leg.weight, 0),
        best.weight,
        context,
      );
    }
  }
});

test('the same hub is a one-hub path with zero legs and zero weight, even for an unlinked hub', () => {
  const graph = graphOf(['A', 'B', 'lonely'], [link('A', 'B', 5)]);
  assert.deepEqual(shortestPath(graph, 'A', 'A'), { hubIds: ['A'], legs: [], totalWeight: 0 });
  assert.deepEqual(shortestPath(graph, 'lonely', 'lonely'), { hubIds: ['lonely'], legs: [], totalWeight: 0 });
});

test('hubs in different components are unreachable: null', () => {
  const graph = graphOf(['A', 'B', 'C', 'D', 'lonely'], [link('A', 'B', 1), link('C', 'D', 1)]);
  assert.equal(shortestPath(graph, 'A', 'D'), null);
  assert.equal(shortestPath(graph, 'lonely', 'A'), null);
});

test('an unknown hub id throws UnknownHubError naming it, not null', () => {
  const graph = graphOf(['A', 'B'], [link('A', 'B', 1)]);
  const unknown = (ids: string[]) => (e: unknown) => {
    assert.ok(e instanceof UnknownHubError);
    assert.deepEqual(e.hubIds, ids);
    return true;
  };
  assert.throws(() => shortestPath(graph, 'A', 'nope'), unknown(['nope']));
  assert.throws(() => shortestPath(graph, 'nope', 'B'), unknown(['nope']));
  assert.throws(() => shortestPath(graph, 'x', 'y'), unknown(['x', 'y']));
  assert.throws(() => shortestPath(graph, 'x', 'x'), unknown(['x']));
});

test('a broken graph throws InvalidGraphError: bad weights, loops, links to hubs outside it', () => {
  for (const w of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => shortestPath(graphOf(['A', 'B'], [link('A', 'B', w)]), 'A', 'B'), InvalidGraphError);
  }
  assert.throws(() => shortestPath(graphOf(['A', 'B'], [link('A', 'A', 1)]), 'A', 'B'), InvalidGraphError);
  assert.throws(() => shortestPath(graphOf(['A', 'B'], [link('A', 'Z', 1)]), 'A', 'B'), InvalidGraphError);
});

interface HubsFile {
  hubs: (HubPoint & { name: string })[];
  links: GraphLink[];
}
const network = JSON.parse(readFileSync(new URL('../../../data/hubs.json', import.meta.url), 'utf8')) as HubsFile;
const hubNamed = (name: string) => {
  const hub = network.hubs.find((h) => h.name === name);
  assert.ok(hub, name);
  return hub;
};

test('Seoul → Busan over the real network with estimate weights goes through the central hubs', async () => {
  const byId = new Map(network.hubs.map((h) => [h.id, h]));
  const estimate = new EstimateEtaProvider();
  const priced = await Promise.all(
    network.links.map(async (l) => ({ ...l, eta: await estimate.eta(byId.get(l.a)!, byId.get(l.b)!) })),
  );
  const graph = { hubIds: [...byId.keys()], links: priced, weight: (l: { eta: LinkEta }) => l.eta.durationSeconds };
  const seoul = hubNamed('서울특별시 센터');
  const busan = hubNamed('부산광역시 센터');
  const path = shortestPath(graph, seoul.id, busan.id);
  assert.ok(path);

  const names = path.hubIds.map((id) => byId.get(id)!.name);
  const km = path.legs.reduce((sum, leg) => sum + leg.link.eta.distanceMeters, 0) / 1000;
  console.log(`Seoul → Busan: ${names.join(' → ')}; ${(path.totalWeight / 3600).toFixed(2)} h, ${km.toFixed(1)} km`);

  // Hub-and-spoke (docs/domain.md §8): spoke → its central → the other central → spoke.
  assert.deepEqual(names, ['서울특별시 센터', '경기 남부 센터', '대구광역시 센터', '부산광역시 센터']);
  const linked = new Set(network.links.flatMap((l) => [`${l.a}|${l.b}`, `${l.b}|${l.a}`]));
  path.legs.forEach((leg, i) => {
    assert.equal(leg.from, path.hubIds[i]);
    assert.equal(leg.to, path.hubIds[i + 1]);
    assert.ok(linked.has(`${leg.from}|${leg.to}`), `${leg.from}–${leg.to} is a link of data/hubs.json`);
    assert.equal(leg.weight, leg.link.eta.durationSeconds);
  });
  assert.equal(
    path.totalWeight,
    path.legs.reduce((sum, leg) => sum + leg.weight, 0),
  );
  // A truck needs roughly 4.5–6.5 h for the ~400 km by road; three relay legs of estimates land inside that.
  assert.ok(path.totalWeight >= 4.5 * 3600 && path.totalWeight <= 6.5 * 3600, `${path.totalWeight} s`);
});

test('the estimate for the ~39 km Seoul–Gyeonggi South link is plausible', () => {
  const seoul = hubNamed('서울특별시 센터');
  const south = hubNamed('경기 남부 센터');
  assert.ok(Math.abs(haversineMeters(seoul, south) - 38_900) < 200);
  const eta = estimateLinkEta(seoul, south);
  console.log(`Seoul – Gyeonggi South: ${eta.distanceMeters} m, ${(eta.durationSeconds / 60).toFixed(1)} min`);
  // Road distance: 38.9 km × a detour index of 1.15–1.65 (the span road-network studies report) = 45–65 km.
  assert.ok(eta.distanceMeters >= 45_000 && eta.distanceMeters <= 65_000, `${eta.distanceMeters} m`);
  // Time: 45 km flat out at the 100 km/h expressway limit is 27 min and both ends are city streets, so no less than
  // 30 min; 65 km at a 43 km/h urban crawl is 90 min. A drive from Songpa to Icheon takes about 45–75 min.
  assert.ok(eta.durationSeconds >= 30 * 60 && eta.durationSeconds <= 90 * 60, `${eta.durationSeconds} s`);
});

test('the estimate provider: ESTIMATE, whole seconds and metres, deterministic, symmetric, 0 for one hub', async () => {
  const provider = new EstimateEtaProvider();
  assert.equal(provider.source, 'ESTIMATE');
  const a = hubNamed('대전광역시 센터');
  const b = hubNamed('전라남도 센터');
  const there = await provider.eta(a, b);
  assert.equal(there.source, 'ESTIMATE');
  assert.ok(Number.isInteger(there.durationSeconds) && Number.isInteger(there.distanceMeters));
  assert.deepEqual(await provider.eta(a, b), there);
  assert.deepEqual(await provider.eta(b, a), there);
  assert.deepEqual(await provider.eta(a, a), { durationSeconds: 0, distanceMeters: 0, source: 'ESTIMATE' });
});

test('the estimate provider rejects an aborted call with the signal’s reason', async () => {
  const controller = new AbortController();
  const reason = new Error('route request gone');
  controller.abort(reason);
  const a = hubNamed('서울특별시 센터');
  await assert.rejects(new EstimateEtaProvider().eta(a, a, { signal: controller.signal }), (e) => e === reason);
});
