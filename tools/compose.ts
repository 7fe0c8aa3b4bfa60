/**
 * Composes schema/supergraph.graphql from the subgraph SDL files with @apollo/composition.
 * `--check` fails (exit 1) when the committed file differs from a fresh composition.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { composeSupergraph, SUPERGRAPH_PATH } from './supergraph.js';

const sdl = await composeSupergraph();
const committed = await readFile(SUPERGRAPH_PATH, 'utf8').catch(() => '');
if (process.argv.includes('--check')) {
  if (committed !== sdl) {
    console.error(`${SUPERGRAPH_PATH} is stale: run npm run compose`);
    process.exit(1);
  }
  console.log(`${SUPERGRAPH_PATH} is up to date`);
} else {
  await writeFile(SUPERGRAPH_PATH, sdl);
  console.log(`wrote ${SUPERGRAPH_PATH}`);
}
