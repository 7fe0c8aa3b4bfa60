/** A subgraph that cannot finish booting undoes what it had set up, background work included. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { createInfra } from '../infra/index.js';
import { bootSubgraph } from './boot.js';
import { dropTestDatabases, realServicesConfig, silentLogger } from '../testing/index.js';
import { lockerSubgraph } from '../../subgraphs/locker/src/server.js';

const config = realServicesConfig();
after(() => dropTestDatabases(config));

test('when its port is taken, the locker subgraph fails to boot and leaves no MQTT listener behind', async () => {
  const blocker = net.createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const port = (blocker.address() as net.AddressInfo).port;
  const infra = await createInfra(config, { mqttUrl: 'url' in config.mqtt ? config.mqtt.url : undefined });
  try {
    const before = infra.mqtt!.listenerCount('message');
    await assert.rejects(bootSubgraph(lockerSubgraph, { config, infra, logger: silentLogger, port, seed: false }), /EADDRINUSE/);
    assert.equal(infra.mqtt!.listenerCount('message'), before);
  } finally {
    blocker.close();
    await infra.close();
  }
});
