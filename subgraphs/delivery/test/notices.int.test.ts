/**
 * Dispatch notices to Discord, against a fake webhook on 127.0.0.1: retries on 429 (honouring Retry-After) and 5xx,
 * giving up after the last attempt or at once on other 4xx, logging when no webhook is set; and the
 * `delivery.created` handler posting each delivery's notice once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../lib/logger/index.js';
import { startTestSubgraph, type TestSubgraph } from '../../../lib/testing/index.js';
import type { EventEnvelope } from '../../../lib/events/index.js';
import { DispatchNotice } from '../src/entities/dispatch-notice.entity.js';
import { onDeliveryCreated } from '../src/events/delivery-created.js';
import { onRoutePlanned } from '../src/events/route-planned.js';
import { DiscordWebhookClient, type DiscordWebhookOptions } from '../src/notices/discord.js';
import { subgraph } from '../src/server.js';
import { FAKE_TOKEN, startFakeDiscord, type FakeDiscord } from './fake-discord.js';
import { BUSAN, DAEGU, GYEONGGI_SOUTH, SEOUL, em, handle, outbox, routePlanned } from './helpers.js';

/** A client whose log lines are kept, with short delays so the test stays quick. */
function client(url: string | undefined, options: Partial<DiscordWebhookOptions> = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', 'test', {
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const discord = new DiscordWebhookClient({ url, logger, baseDelayMs: 20, maxDelayMs: 1000, ...options });
  return { discord, lines, logText: () => JSON.stringify(lines) };
}

describe('Discord webhook client', () => {
  let fake: FakeDiscord | undefined;
  before(async () => {
    fake = await startFakeDiscord();
  });
  after(() => fake?.close());

  test('posts the content with mentions disabled', async () => {
    fake!.script = [];
    const { discord } = client(fake!.url);
    const before = fake!.received.length;
    assert.deepEqual(await discord.post('hello @everyone'), { status: 'SENT', attempts: 1 });
    assert.deepEqual(
      fake!.received.slice(before).map((r) => r.body),
      [{ content: 'hello @everyone', allowed_mentions: { parse: [] } }],
    );
  });

  test('429 then 200: waits what Retry-After says, then succeeds', async () => {
    fake!.script = [
      { status: 429, headers: { 'retry-after': '0.3' } },
      { status: 200, body: '{}' },
    ];
    const { discord, lines } = client(fake!.url);
    const before = fake!.received.length;
    assert.deepEqual(await discord.post('notice'), { status: 'SENT', attempts: 2 });
    const [first, second] = fake!.received.slice(before);
    assert.ok(second!.at - first!.at >= 290, `waited ${second!.at - first!.at} ms`);
    assert.ok(lines.some((l) => l.msg === 'dispatch notice: Discord failed, retrying' && l.retryInMs === 300));
  });

  test("429 with the wait only in the body (Discord's retry_after) is honoured too", async () => {
    fake!.script = [{ status: 429, body: JSON.stringify({ message: 'rate limited', retry_after: 0.2 }) }];
    const { discord } = client(fake!.url);
    const before = fake!.received.length;
    assert.equal((await discord.post('notice')).status, 'SENT');
    const [first, second] = fake!.received.slice(before);
    assert.ok(second!.at - first!.at >= 190);
  });

  test('500s: retried with backoff, then given up after the last attempt and logged', async () => {
    fake!.script = Array.from({ length: 3 }, () => ({ status: 500 }));
    const { discord, lines, logText } = client(fake!.url, { maxAttempts: 3 });
    const before = fake!.received.length;
    assert.deepEqual(await discord.post('notice'), { status: 'FAILED', attempts: 3, error: 'HTTP 500' });
    assert.equal(fake!.received.length - before, 3);
    const gaveUp = lines.find((l) => l.msg === 'dispatch notice not posted to Discord: gave up');
    assert.equal(gaveUp?.level, 50);
    assert.ok(!logText().includes(FAKE_TOKEN), 'the webhook token never reaches the log');
  });

  test('a 404 (a deleted webhook) is not retried; a Retry-After beyond the budget gives up', async () => {
    fake!.script = [{ status: 404 }];
    const { discord } = client(fake!.url);
    let before = fake!.received.length;
    assert.deepEqual(await discord.post('notice'), { status: 'FAILED', attempts: 1, error: 'HTTP 404' });
    assert.equal(fake!.received.length - before, 1);

    fake!.script = [{ status: 429, headers: { 'retry-after': '60' } }];
    before = fake!.received.length;
    assert.equal((await discord.post('notice')).status, 'FAILED');
    assert.equal(fake!.received.length - before, 1, 'no minute-long wait inside a transaction');
  });

  test('a webhook that never answers times out and is retried', async () => {
    fake!.script = [{ status: 0, hang: true }];
    const { discord } = client(fake!.url, { timeoutMs: 150 });
    assert.deepEqual(await discord.post('notice'), { status: 'SENT', attempts: 2 });
  });

  test('no webhook configured: the notice is logged, not posted', async () => {
    const { discord, lines } = client(undefined);
    assert.deepEqual(await discord.post('the notice text'), { status: 'SKIPPED', attempts: 0 });
    const line = lines.find((l) => l.msg === 'dispatch notice not posted: DISCORD_WEBHOOK_URL is unset');
    assert.equal(line?.notice, 'the notice text');
  });
});

describe('delivery.created posts the dispatch notice', () => {
  let fake: FakeDiscord | undefined;
  let sg: TestSubgraph | undefined;
  before(async () => {
    fake = await startFakeDiscord();
    sg = await startTestSubgraph(subgraph, { seed: true, env: { DISCORD_WEBHOOK_URL: fake.url } });
  });
  after(async () => {
    await sg?.close();
    await fake?.close();
  });

  const created = async (path: number[], note: string | null) => {
    const event = routePlanned(path, { requestNote: note, orderCreatedAt: '2026-11-23T01:00:00.000Z' });
    await handle(sg!, onRoutePlanned, event);
    return { orderId: event.data.orderId, event: (await outbox(sg!, event.data.orderId))[0]! as EventEnvelope };
  };

  test('once per delivery, with the deadline in Seoul time, even when the event comes twice or at once', async () => {
    const { orderId, event } = await created([SEOUL, GYEONGGI_SOUTH, DAEGU, BUSAN], null);
    const before = fake!.received.length;
    await Promise.all([handle(sg!, onDeliveryCreated, event), handle(sg!, onDeliveryCreated, { ...event })]);
    await handle(sg!, onDeliveryCreated, event);
    const posted = fake!.received.slice(before);
    assert.equal(posted.length, 1, 'one post for three deliveries of the event');
    const content = posted[0]!.body.content;
    assert.ok(content.includes(`order ${orderId}`));
    assert.ok(content.includes('Via: 경기 남부 센터 → 대구광역시 센터'));
    // Ordered Monday 10:00 in Seoul, 3 h of route: dispatch by 13:00.
    assert.ok(content.includes('Dispatch deadline: 2026-11-23 13:00 (Asia/Seoul)'), content);
    const { deliveryId } = event.data as { deliveryId: string };
    const notice = await em(sg!).findOneOrFail(DispatchNotice, { deliveryId });
    assert.deepEqual([notice.status, notice.attempts], ['SENT', 1]);
  });

  test('a notice that failed is tried again when the event is handled again', async () => {
    const { event } = await created([SEOUL], '12월 24일 3시까지');
    fake!.script = Array.from({ length: 4 }, () => ({ status: 503 }));
    await handle(sg!, onDeliveryCreated, event);
    const deliveryId = (event.data as { deliveryId: string }).deliveryId;
    assert.equal((await em(sg!).findOneOrFail(DispatchNotice, { deliveryId })).status, 'FAILED');
    await handle(sg!, onDeliveryCreated, event);
    const notice = await em(sg!).findOneOrFail(DispatchNotice, { deliveryId });
    assert.deepEqual([notice.status, notice.attempts], ['SENT', 5]);
  });

  test('malformed delivery.created is refused', async () => {
    const { event } = await created([SEOUL], null);
    await assert.rejects(handle(sg!, onDeliveryCreated, { ...event, data: { orderId: 'nope' } }));
    await assert.rejects(handle(sg!, onDeliveryCreated, { ...event, version: 2 }));
  });
});
