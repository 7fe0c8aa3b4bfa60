import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../logger/index.js';
import { startBackground, type BackgroundTask } from './background.js';

const logger = createLogger('silent', 'test');

function recorder() {
  const events: string[] = [];
  const task = (name: string, fail?: 'start' | 'stop'): BackgroundTask<{ tag: string }> => ({
    name,
    async start(deps) {
      if (fail === 'start') throw new Error(`${name} cannot start`);
      events.push(`start ${name} ${deps.tag}`);
      return async () => {
        events.push(`stop ${name}`);
        if (fail === 'stop') throw new Error(`${name} cannot stop`);
      };
    },
  });
  return { events, task };
}

test('background tasks start in order with their deps and stop in reverse order', async () => {
  const { events, task } = recorder();
  const oneShot: BackgroundTask<{ tag: string }> = { name: 'once', start: async () => void events.push('once') };
  const stop = await startBackground([task('a'), oneShot, task('b')], { tag: 'x' }, logger);
  assert.deepEqual(events, ['start a x', 'once', 'start b x']);
  await stop();
  assert.deepEqual(events.slice(3), ['stop b', 'stop a']);
  await stop();
  assert.equal(events.length, 5, 'stopping twice stops nothing twice');
});

test('a task that fails to start undoes the ones started before it, then the error surfaces', async () => {
  const { events, task } = recorder();
  await assert.rejects(
    startBackground([task('a'), task('b'), task('c', 'start'), task('d')], { tag: 'x' }, logger),
    /c cannot start/,
  );
  assert.deepEqual(events, ['start a x', 'start b x', 'stop b', 'stop a']);
});

test('a task that fails to stop does not keep the others running', async () => {
  const { events, task } = recorder();
  const stop = await startBackground([task('a'), task('b', 'stop')], { tag: 'x' }, logger);
  await stop();
  assert.deepEqual(events.slice(2), ['stop b', 'stop a']);
});
