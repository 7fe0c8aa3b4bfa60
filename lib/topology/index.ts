/**
 * The platform's subgraphs: the one list that configuration, composition, codegen, the launcher, the
 * gateway and the tests derive from. Adding a subgraph means adding it here and creating its folder
 * `subgraphs/<name>/` with the usual shape (docs/adr/0002-homes-for-growth.md); docker-compose.yml is
 * written out by hand, and a test checks it against this list.
 */
export const SUBGRAPHS = [
  { name: 'user', port: 4001 },
  { name: 'order', port: 4002 },
  { name: 'hub', port: 4003 },
  { name: 'delivery', port: 4004 },
  { name: 'locker', port: 4005 },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export const SUBGRAPH_NAMES: readonly SubgraphName[] = SUBGRAPHS.map((s) => s.name);

/** @default ports 4001..4005, in list order. */
export const DEFAULT_SUBGRAPH_PORTS = Object.fromEntries(SUBGRAPHS.map((s) => [s.name, s.port])) as Record<
  SubgraphName,
  number
>;

/** The environment variables that set a subgraph's port and the URL the gateway reaches it at. */
export function subgraphEnvNames(name: SubgraphName): { port: string; url: string } {
  const upper = name.toUpperCase();
  return { port: `${upper}_PORT`, url: `${upper}_URL` };
}

/** Where a subgraph's files live, relative to the repository root. */
export function subgraphPaths(name: SubgraphName) {
  const src = `subgraphs/${name}/src`;
  return {
    /** The SDL: the one source of the subgraph's schema. */
    sdl: `${src}/schema.graphql`,
    /** Exports `subgraph`, the definition made by defineSubgraph. */
    server: `${src}/server.ts`,
    /** Runs the subgraph as its own process (docker-compose). */
    entry: `${src}/index.ts`,
    entities: `${src}/entities`,
    generatedTypes: `${src}/__generated__/resolvers-types.ts`,
  };
}

export function isSubgraphName(value: string): value is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(value);
}
