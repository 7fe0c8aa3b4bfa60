import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { listen } from '../../lib/http/index.js';
import { attachSubscriptions } from '../src/subscriptions/index.js';

function upgrade(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('upgrade', () => reject(new Error('unexpected protocol switch')));
    req.on('error', reject);
    req.end();
  });
}

test('the gateway’s upgrade path answers WebSocket upgrades with a clear status instead of a dropped socket', async () => {
  const listening = await listen((_req: http.IncomingMessage, res: http.ServerResponse) => res.end('http'), 0);
  const subscriptions = attachSubscriptions(listening.server);
  try {
    const graphql = await upgrade(`${listening.url}/graphql`);
    assert.equal(graphql.status, 501);
    assert.equal(JSON.parse(graphql.body).errors[0].extensions.code, 'BAD_REQUEST');
    assert.equal((await upgrade(`${listening.url}/elsewhere`)).status, 404);
  } finally {
    await subscriptions.close();
    await listening.close();
  }
});
