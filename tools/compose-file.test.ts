/**
 * docker-compose.yml is written out by hand (readable, one block per service), so this checks it
 * against the one list of subgraphs in lib/topology: every subgraph has its service, command, port and
 * health check, and the gateway knows where to find each of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { DEMO_SECRETS } from '../lib/config/index.js';
import { SUBGRAPHS, subgraphEnvNames, subgraphPaths } from '../lib/topology/index.js';
import { builtPath } from './build.js';
import { ROOT } from './supergraph.js';

interface Service {
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  healthcheck?: { test?: string[] };
}

test('docker-compose.yml runs every subgraph of lib/topology, and the gateway routes to each', async () => {
  const compose = parse(await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };
  const gateway = compose.services.gateway!;
  const subgraphServices = Object.entries(compose.services)
    .filter(([, s]) => s.command?.some((part) => part.startsWith('dist/subgraphs/')))
    .map(([name]) => name);
  assert.deepEqual(subgraphServices.sort(), SUBGRAPHS.map((s) => s.name).sort());
  for (const { name, port } of SUBGRAPHS) {
    const service = compose.services[name]!;
    // The image holds the built JavaScript (Dockerfile, tools/build.ts) and runs it with plain node.
    const entry = builtPath(subgraphPaths(name).entry);
    assert.deepEqual(service.command, ['node', entry], `${name}: runs ${entry}`);
    assert.ok(
      service.ports?.some((p) => p.endsWith(`:${port}:${port}`)),
      `${name}: publishes ${port}`,
    );
    assert.match(service.healthcheck!.test!.join(' '), new RegExp(`:${port}/readyz`), `${name}: health check`);
    assert.equal(gateway.environment![subgraphEnvNames(name).url], `http://${name}:${port}/graphql`);
    assert.ok(gateway.depends_on![name], `gateway waits for ${name}`);
  }
});

test('docker-compose.yml takes the signing secrets from the environment and publishes ports on loopback by default', async () => {
  const compose = parse(await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };
  for (const [name, service] of Object.entries(compose.services)) {
    for (const port of service.ports ?? []) {
      assert.match(
        port,
        /^(127\.0\.0\.1|\$\{HUBGRAPH_BIND:-127\.0\.0\.1\}):/,
        `${name} publishes ${port} beyond loopback`,
      );
    }
    const env = service.environment ?? {};
    if (env.HOST === '0.0.0.0' || 'JWT_SECRET' in env) {
      for (const secret of Object.keys(DEMO_SECRETS)) {
        assert.match(
          env[secret] ?? '',
          new RegExp(`^\\$\\{${secret}:\\?`),
          `${name}: ${secret} must come from the environment`,
        );
      }
    }
  }
});
