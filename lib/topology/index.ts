/**
 * The five subgraphs of the platform, their default ports and where their SDL lives.
 * One list serves composition, codegen, the launcher, the gateway and the tests.
 */
export const SUBGRAPH_NAMES = ['user', 'order', 'hub', 'delivery', 'locker'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** @default ports 4001..4005, in SUBGRAPH_NAMES order. */
export const DEFAULT_SUBGRAPH_PORTS: Record<SubgraphName, number> = {
  user: 4001,
  order: 4002,
  hub: 4003,
  delivery: 4004,
  locker: 4005,
};

/** Path of a subgraph's SDL file, relative to the repository root. */
export function sdlPath(name: SubgraphName): string {
  return `subgraphs/${name}/src/schema.graphql`;
}

export function isSubgraphName(value: string): value is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(value);
}
