/**
 * Loads every subgraph's definition from the list in lib/topology: each `subgraphs/<name>/src/server.ts`
 * exports `subgraph`. The launcher, migrations, seeding and the tests start from here, so a new subgraph
 * needs no edit in any of them.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SubgraphDefinition } from '../lib/subgraph/index.js';
import { SUBGRAPH_NAMES, subgraphPaths } from '../lib/topology/index.js';
import { ROOT } from './supergraph.js';

/** `.ts` under tsx, `.js` once built (tools/build.ts): the server modules are whatever this module is. */
const EXTENSION = path.extname(fileURLToPath(import.meta.url));

export async function loadSubgraphs(): Promise<SubgraphDefinition[]> {
  return Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      const server = subgraphPaths(name).server.replace(/\.ts$/, EXTENSION);
      const module = (await import(pathToFileURL(path.join(ROOT, server)).href)) as {
        subgraph?: SubgraphDefinition;
      };
      if (module.subgraph?.name !== name) {
        throw new Error(`${subgraphPaths(name).server} must export \`subgraph\`, the definition of "${name}"`);
      }
      return module.subgraph;
    }),
  );
}
