import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyTurns } from '../src/services/key-turns.js';

test('work on one key runs one at a time, in arrival order', async () => {
  const turns = new KeyTurns();
  const log: string[] = [];
  const job = (name: string, ms: number) => async () => {
    log.push(`${name}+`);
    await sleep(ms);
    log.push(`${name}-`);
    return name;
  };
  const results = await Promise.all([
    turns.run('k', job('a', 20)),
    turns.run('k', job('b', 1)),
    turns.run('k', job('c', 5)),
  ]);
  assert.deepEqual(results, ['a', 'b', 'c']);
  assert.deepEqual(log, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  assert.equal(turns.busy, 0, 'an idle key is forgotten');
});

test('different keys do not wait for each other', async () => {
  const turns = new KeyTurns();
  const log: string[] = [];
  let release!: () => void;
  const held = turns.run('k1', () => new Promise<void>((resolve) => (release = resolve)));
  await turns.run('k2', async () => log.push('k2 ran while k1 was held'));
  assert.deepEqual(log, ['k2 ran while k1 was held']);
  release();
  await held;
});

test('a failed turn passes the key on and its caller sees the failure', async () => {
  const turns = new KeyTurns();
  const first = turns.run('k', async () => {
    throw new Error('out of stock');
  });
  const second = turns.run('k', async () => 'placed');
  await assert.rejects(first, /out of stock/);
  assert.equal(await second, 'placed');
  assert.equal(turns.busy, 0);
});
