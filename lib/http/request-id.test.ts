/** Request ids: which a caller may choose, and every log line written inside a request's scope carries its id. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../logger/index.js';
import { runInRequestScope } from '../logger/request-scope.js';
import { acceptRequestId, currentRequestId } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("a caller's request id is kept when printable and at most 128 characters, else a new one is made", () => {
  assert.equal(acceptRequestId('req-42_abc:1/2'), 'req-42_abc:1/2');
  assert.equal(acceptRequestId('x'.repeat(128)), 'x'.repeat(128));
  assert.equal(acceptRequestId(['first', 'second']), 'first');
  for (const bad of [undefined, '', 'x'.repeat(129), 'has space', 'line\nbreak', 'tab\t', 'ünïcode', '\u202eevil']) {
    const id = acceptRequestId(bad);
    assert.match(id, UUID, JSON.stringify(bad));
  }
  assert.notEqual(acceptRequestId(undefined), acceptRequestId(undefined));
});

test('every line logged inside a request scope carries its requestId, through awaits and child loggers; none outside', async () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger('info', 'gateway', { destination });
  const child = logger.child({ component: 'test' });
  logger.info('before');
  await runInRequestScope({ requestId: 'req-1', sqlStatements: 0 }, async () => {
    logger.info('start');
    await new Promise((resolve) => setTimeout(resolve, 1));
    child.warn('after a timer');
    assert.equal(currentRequestId(), 'req-1');
  });
  // A scope running at the same time keeps its own id.
  await Promise.all([
    runInRequestScope({ requestId: 'a', sqlStatements: 0 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      logger.info('in a');
    }),
    runInRequestScope({ requestId: 'b', sqlStatements: 0 }, async () => logger.info('in b')),
  ]);
  logger.info('after');
  await new Promise((resolve) => setImmediate(resolve));
  const byMsg = Object.fromEntries(lines.map((l) => [l.msg, l]));
  assert.equal(byMsg.before!.requestId, undefined);
  assert.equal(byMsg.start!.requestId, 'req-1');
  assert.equal(byMsg['after a timer']!.component, 'test');
  assert.equal(byMsg['after a timer']!.requestId, 'req-1');
  assert.equal(byMsg['in a']!.requestId, 'a');
  assert.equal(byMsg['in b']!.requestId, 'b');
  assert.equal(byMsg.after!.requestId, undefined);
  assert.equal(currentRequestId(), undefined);
});
