/**
 * Shortest paths over the hub network (docs/architecture.md §8, docs/domain.md §8): hubs joined by undirected links, each
 * weighing a non-negative whole number of seconds (the link's ETA). Pure: the caller prices every link first
 * (ETA provider and cache), then asks for a path; nothing here does I/O.
 */
import { MinHeap } from './min-heap.js';

/** An undirected link between two hubs, as in data/hubs.json (`{a, b}`); HubLink rows map onto it. */
export interface GraphLink {
  readonly a: string;
  readonly b: string;
}

/**
 * The network to search. `L` is the caller's own link type (e.g. a link carrying its priced ETA), handed back
 * on each leg so that the caller does not have to look links up again.
 */
export interface HubGraph<L extends GraphLink> {
  /** Every hub, linked or not: an id outside it is unknown rather than unreachable. Iterated once per search. */
  readonly hubIds: Iterable<string>;
  readonly links: readonly L[];
  /**
   * A link's weight in seconds, a non-negative integer. Called once per link, before the search. (`L` is inferred
   * from `links` alone, so a callback that reads only part of the link still type-checks.)
   */
  weight(link: NoInfer<L>): number;
}

/** One hop of a path, in travel order (`from` → `to`), whichever way round its link is stored. */
export interface PathLeg<L> {
  readonly from: string;
  readonly to: string;
  readonly link: L;
  /** Seconds. */
  readonly weight: number;
}

export interface ShortestPath<L> {
  /** Hub ids from origin to destination, both included; a single hub when they are the same. */
  readonly hubIds: string[];
  /** `hubIds.length - 1` legs; none for a same-hub path (docs/domain.md §11: such orders must not fail). */
  readonly legs: PathLeg<L>[];
  /** Seconds: the sum of the legs' weights. */
  readonly totalWeight: number;
}

/** The origin or destination is not a hub of the graph; the caller maps this to NOT_FOUND or BAD_USER_INPUT. */
export class UnknownHubError extends Error {
  override name = 'UnknownHubError';
  constructor(readonly hubIds: string[]) {
    super(`Unknown hub ${hubIds.join(', ')}`);
  }
}

/** The graph itself is broken (a bad weight, a link to a hub outside it): a data or pricing bug, not user input. */
export class InvalidGraphError extends Error {
  override name = 'InvalidGraphError';
}

interface Edge<L> {
  to: string;
  link: L;
  weight: number;
}

/** Cost of reaching a hub: seconds first, then fewer legs (each leg is a hand-over between drivers). */
interface Cost {
  weight: number;
  legs: number;
}

interface Label<L> extends Cost {
  /** The settled hub this one is reached from, and over which link; absent for the origin. */
  via?: { hub: string; edge: Edge<L> };
}

const compareCost = (x: Cost, y: Cost) => x.weight - y.weight || x.legs - y.legs;

/** Code-unit order, not localeCompare: the tie-break must not depend on the machine's locale. */
const compareIds = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** Lexicographic order of two hub sequences. */
function comparePaths(x: readonly string[], y: readonly string[]): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = compareIds(x[i]!, y[i]!);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

function adjacency<L extends GraphLink>(graph: HubGraph<L>): Map<string, Edge<L>[]> {
  const adjacent = new Map<string, Edge<L>[]>();
  for (const id of graph.hubIds) adjacent.set(id, []);
  for (const link of graph.links) {
    const name = `${link.a}–${link.b}`;
    const weight = graph.weight(link);
    if (!Number.isSafeInteger(weight) || weight < 0) {
      throw new InvalidGraphError(`Link ${name} weighs ${weight}; weights are non-negative whole seconds`);
    }
    if (link.a === link.b) throw new InvalidGraphError(`Link ${name} joins a hub to itself`);
    const fromA = adjacent.get(link.a);
    const fromB = adjacent.get(link.b);
    if (!fromA || !fromB) throw new InvalidGraphError(`Link ${name} names a hub outside the graph`);
    fromA.push({ to: link.b, link, weight });
    fromB.push({ to: link.a, link, weight });
  }
  return adjacent;
}

/**
 * The lightest path from one hub to another (Dijkstra over a binary heap), or null when no path joins them.
 * The same hub gives a one-hub path of zero legs and zero weight.
 *
 * Ties are broken deterministically, whatever the order of `hubIds` and `links`: among paths of equal weight
 * the one with fewer legs wins, then the lexicographically smallest sequence of hub ids (compared from the
 * origin). Between parallel links of equal weight the first listed is used.
 *
 * @throws UnknownHubError when `fromHubId` or `toHubId` is not in `graph.hubIds`.
 * @throws InvalidGraphError when a weight is not a non-negative safe integer, or a link is a loop or names a
 *   hub outside `graph.hubIds`.
 */
export function shortestPath<L extends GraphLink>(
  graph: HubGraph<L>,
  fromHubId: string,
  toHubId: string,
): ShortestPath<L> | null {
  const adjacent = adjacency(graph);
  const unknown = [...new Set([fromHubId, toHubId])].filter((id) => !adjacent.has(id));
  if (unknown.length > 0) throw new UnknownHubError(unknown);

  const labels = new Map<string, Label<L>>([[fromHubId, { weight: 0, legs: 0 }]]);
  /** Settled hubs and their final paths. A label is final once its hub is popped first from the heap. */
  const settled = new Map<string, string[]>();
  // Lazy deletion: an improved label pushes a new entry and the outdated one is skipped when popped. Hubs of
  // equal cost may pop in any order: neither can precede the other on a path, having the same number of legs.
  const frontier = new MinHeap<Cost & { hub: string }>(compareCost);
  frontier.push({ hub: fromHubId, weight: 0, legs: 0 });

  for (let entry = frontier.pop(); entry; entry = frontier.pop()) {
    const hub = entry.hub;
    if (settled.has(hub)) continue;
    const label = labels.get(hub)!;
    const path = label.via ? [...settled.get(label.via.hub)!, hub] : [hub];
    settled.set(hub, path);
    if (hub === toHubId) return toShortestPath(path, labels);

    for (const edge of adjacent.get(hub)!) {
      if (settled.has(edge.to)) continue;
      const cost = { weight: label.weight + edge.weight, legs: label.legs + 1 };
      const current = labels.get(edge.to);
      const order = current ? compareCost(cost, current) : -1;
      // On a cost tie, keep the lexicographically smaller path. Both candidates' predecessors are settled, and
      // their paths have the same length, so comparing the predecessors' paths decides.
      const better =
        order < 0 || (order === 0 && current?.via && comparePaths(path, settled.get(current.via.hub)!) < 0);
      if (!better) continue;
      labels.set(edge.to, { ...cost, via: { hub, edge } });
      if (order < 0) frontier.push({ hub: edge.to, ...cost });
    }
  }
  return null;
}

function toShortestPath<L>(hubIds: string[], labels: Map<string, Label<L>>): ShortestPath<L> {
  const legs = hubIds.slice(1).map((to) => {
    const { hub: from, edge } = labels.get(to)!.via!;
    return { from, to, link: edge.link, weight: edge.weight };
  });
  return { hubIds, legs, totalWeight: labels.get(hubIds[hubIds.length - 1]!)!.weight };
}
