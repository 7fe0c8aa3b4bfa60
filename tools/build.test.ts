/**
 * The image and docker-compose run only what `npm run build` produces, on Node 24; the build itself is proven by
 * build.int.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { builtPath, ENTRY_POINTS } from './build.js';
import { ROOT } from './supergraph.js';

const built = new Set(ENTRY_POINTS.map((entry) => builtPath(entry)));

test('builtPath mirrors the source tree under dist/ with .js files', () => {
  assert.equal(builtPath('subgraphs/user/src/index.ts'), 'dist/subgraphs/user/src/index.js');
  assert.equal(builtPath('tools/start.ts', 'out'), 'out/tools/start.js');
});

test('the Dockerfile builds on Node 24 and starts the built launcher with plain node', async () => {
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
  for (const from of froms) assert.match(from!, /^node:24[.-]/, `${from} is Node 24`);
  assert.match(dockerfile, /^RUN npm run build$/m);
  const cmd = JSON.parse(/^CMD (.+)$/m.exec(dockerfile)![1]!) as string[];
  assert.deepEqual(cmd, ['node', builtPath('tools/start.ts')]);
});

test('every docker-compose command runs a built entry point with plain node', async () => {
  const compose = parse(await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { build?: unknown; command?: string[] }>;
  };
  const nodeServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
  assert.ok(nodeServices.length > 0);
  for (const [name, service] of nodeServices) {
    const [command, file] = service.command ?? [];
    assert.equal(command, 'node', `${name} runs node`);
    assert.ok(built.has(file!), `${name} runs ${file}, which the build produces (${[...built].join(', ')})`);
  }
});
