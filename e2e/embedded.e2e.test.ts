/** `npm start`'s embedded mode: SQLite per subgraph, in-memory cache/pub-sub, in-process MQTT broker. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config/index.js';
import { SUBGRAPH_NAMES } from '../lib/topology/index.js';
import { postGraphQL, silentLogger } from '../lib/testing/index.js';
import { startPlatform, type Platform } from '../tools/platform.js';
import { ALL_FIVE_QUERY } from './queries.js';

let dir: string;
let platform: Platform;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-embedded-'));
  // Nothing but a data directory configured: exactly what `npm start` does on a fresh machine.
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir });
  platform = await startPlatform({ config, logger: silentLogger, ports: 'ephemeral', seed: false });
});
after(async () => {
  await platform?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('on embedded defaults the platform creates one SQLite file per subgraph and seeds the demo', async () => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sqlite')).sort();
  assert.deepEqual(files, SUBGRAPH_NAMES.map((n) => `hubgraph_${n}.sqlite`).sort());
  const signIn = await postGraphQL(
    platform.gatewayUrl,
    'mutation { signIn(username: "firm_manager", password: "hubgraph-demo") { accessToken user { role firm { id } } } }',
  );
  assert.equal(signIn.body.data!.signIn.user.role, 'FIRM_MANAGER');
  const r = await postGraphQL(
    platform.gatewayUrl,
    ALL_FIVE_QUERY,
    {},
    { authorization: `Bearer ${signIn.body.data!.signIn.accessToken}` },
  );
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  const hubs = r.body.data!.hubs as any[];
  assert.equal(hubs.length, 17);
  assert.equal(hubs.flatMap((h) => h.lockers).length, 3);
  assert.equal(hubs.flatMap((h) => h.firms).length, 6);
  assert.equal(hubs.flatMap((h) => h.deliveryManagers).length, 18);
});

test('on SQLite too, a NUL byte and a 100 KB id are BAD_USER_INPUT, and a MASTER change runs (no row locks there)', async () => {
  const signUp = await postGraphQL(
    platform.gatewayUrl,
    'mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }',
    {
      i: { username: 'nulname', password: 'correct-horse-9', name: 'nul\u0000name' },
    },
  );
  assert.equal(signUp.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(signUp.body.errors?.[0]?.extensions?.field, 'name');
  const master = await postGraphQL(
    platform.gatewayUrl,
    'mutation { signIn(username: "master", password: "hubgraph-demo") { accessToken user { id } } }',
  );
  const auth = { authorization: `Bearer ${master.body.data!.signIn.accessToken}` };
  const big = await postGraphQL(
    platform.gatewayUrl,
    'query($id: ID) { products(firmId: $id) { id } }',
    { id: 'f'.repeat(100_000) },
    auth,
  );
  assert.equal(big.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(big.body.errors?.[0]?.extensions?.field, 'firmId');
  const self = await postGraphQL(
    platform.gatewayUrl,
    'mutation($id: ID!) { approveUser(userId: $id, role: MEMBER) { role } }',
    { id: master.body.data!.signIn.user.id },
    auth,
  );
  assert.equal(self.body.errors?.[0]?.extensions?.code, 'LAST_MASTER');
});
