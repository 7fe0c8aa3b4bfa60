import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS, subgraphPaths } from '../lib/topology/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SUPERGRAPH_PATH = path.join(ROOT, 'schema/supergraph.graphql');

/**
 * Routing URLs are the local defaults; the gateway routes by subgraph name to the URLs in its config,
 * so the same supergraph serves every environment.
 */
export async function composeSupergraph(): Promise<string> {
  const services = await Promise.all(
    SUBGRAPHS.map(async ({ name, port }) => ({
      name,
      url: `http://127.0.0.1:${port}/graphql`,
      typeDefs: parse(await readFile(path.join(ROOT, subgraphPaths(name).sdl), 'utf8')),
    })),
  );
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}
