import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { configuredPeers } from '../../../lib/subgraph/boot.js';
import { silentLogger, startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import { subgraph as userSubgraph } from '../src/server.js';
import { User } from '../src/entities/user.entity.js';

let sg: TestSubgraph;
before(async () => {
  // No demo seed: the configured bootstrap MASTER is the only way in.
  sg = await startTestSubgraph(userSubgraph, {
    env: { BOOTSTRAP_MASTER_USERNAME: 'chief', BOOTSTRAP_MASTER_PASSWORD: 'a-long-bootstrap-pw-1' },
  });
});
after(() => sg?.close());

test('the configured bootstrap MASTER exists at start, once, and can sign in', async () => {
  const users = await sg.db.orm.em.fork().find(User, {});
  assert.deepEqual(
    users.map((u) => [u.username, u.role]),
    [['chief', 'MASTER']],
  );
  const r = await sg.request(
    'mutation { signIn(username: "chief", password: "a-long-bootstrap-pw-1") { user { role } } }',
  );
  assert.equal(r.body.data!.signIn.user.role, 'MASTER');
  // Every start runs the bootstrap again; it must not add a second account.
  const bootstrap = userSubgraph.background!.find((t) => t.name === 'bootstrap-master')!;
  await bootstrap.start({
    config: sg.config,
    db: sg.db,
    infra: sg.infra,
    logger: silentLogger,
    peers: configuredPeers(sg.config),
  });
  assert.equal(await sg.db.orm.em.fork().count(User, {}), 1);
});
