/**
 * `npm run build` gives processes that run with plain `node`: the built user subgraph applies its committed
 * migrations (now .js files) on MariaDB and serves, and the built gateway, alone beside it, signs a user in through
 * it. Both run on whatever Node runs the tests (process.execPath), so CI's Node 24 pass covers the build too.
 * The build goes to a folder of its own under node_modules/.cache: inside the repository, so packages resolve as
 * they do from dist/, and never in the way of a developer's dist/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { dropTestDatabases, postGraphQL, realServicesConfig } from '../lib/testing/index.js';
import { build, builtPath, ENTRY_POINTS } from './build.js';
import { ROOT } from './supergraph.js';

const OUT = path.join(ROOT, 'node_modules/.cache/hubgraph-build-test');
const config = realServicesConfig();
const children: ChildProcess[] = [];

const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  DATABASE_URL: config.database.kind === 'mysql' ? config.database.url : '',
  DATABASE_PREFIX: config.database.prefix,
  REDIS_URL: 'url' in config.redis ? config.redis.url : '',
  REDIS_PREFIX: config.redis.prefix,
  ...extra,
});

/** Runs a built entry point with plain node and resolves with the URL it logs once it listens. */
function startBuilt(entry: string, extra: Record<string, string>, ready: string): Promise<string> {
  const child = spawn(process.execPath, [path.join(OUT, builtPath(entry, '.'))], {
    cwd: ROOT,
    env: env(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk;
      for (const line of out.split('\n')) {
        if (!line.includes(ready)) continue;
        const url = (JSON.parse(line) as { url?: string }).url;
        if (url) resolve(url);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${entry} exited (${code}) before "${ready}":\n${out}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.on('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

before(async () => {
  await build(OUT);
});

after(async () => {
  await Promise.all(children.map(stop));
  await dropTestDatabases(config);
  await rm(OUT, { recursive: true, force: true });
});

test('the build turns every entry point into a plain .js file, with the files read at run time beside it', () => {
  for (const entry of ENTRY_POINTS) assert.ok(existsSync(path.join(OUT, builtPath(entry, '.'))), entry);
  for (const asset of [
    'schema/supergraph.graphql',
    'data/hubs.json',
    'subgraphs/user/src/schema.graphql',
    'subgraphs/user/src/migrations/.snapshot.json',
  ]) {
    assert.ok(existsSync(path.join(OUT, asset)), asset);
  }
  assert.ok(existsSync(path.join(OUT, 'subgraphs/user/src/migrations/Migration20261121062403.js')), 'migrations');
});

test('a built subgraph and the built gateway start with plain node and answer through each other', async () => {
  const userUrl = await startBuilt(
    'subgraphs/user/src/index.ts',
    {
      USER_PORT: '0',
      BOOTSTRAP_MASTER_USERNAME: 'buildmaster',
      BOOTSTRAP_MASTER_PASSWORD: 'built-and-served-1',
    },
    'user subgraph ready',
  );
  const gatewayUrl = await startBuilt(
    'gateway/src/index.ts',
    { GATEWAY_PORT: '0', USER_URL: userUrl },
    'gateway ready',
  );

  const signIn = await postGraphQL<{ signIn: { accessToken: string; user: { role: string } } }>(
    gatewayUrl,
    'mutation($u: String!, $p: String!) { signIn(username: $u, password: $p) { accessToken user { role } } }',
    { u: 'buildmaster', p: 'built-and-served-1' },
  );
  assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
  assert.equal(signIn.body.data?.signIn.user.role, 'MASTER');
  const me = await postGraphQL<{ me: { username: string } }>(
    gatewayUrl,
    '{ me { username } }',
    {},
    {
      authorization: `Bearer ${signIn.body.data!.signIn.accessToken}`,
    },
  );
  assert.deepEqual(me.body, { data: { me: { username: 'buildmaster' } } });
});
