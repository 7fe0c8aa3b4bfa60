/** The dispatch notice text: everything a dispatcher needs, in Seoul time, within Discord's limit. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DISCORD_CONTENT_LIMIT, dispatchNoticeText, type DispatchNoticeInput } from '../src/domain/notice.js';

const base: DispatchNoticeInput = {
  orderId: '0190f000-0000-7000-8000-0000000000aa',
  receiver: { kind: 'FIRM', name: 'Seoul Office Co.', address: '서울특별시 송파구 송파대로 55' },
  productName: 'Kimchi',
  quantity: 3,
  requestNote: null,
  hubNames: ['서울특별시 센터', '경기 남부 센터', '대구광역시 센터', '부산광역시 센터'],
  firstManager: null,
  etaSeconds: 4 * 3600 + 300,
  deadline: new Date('2026-11-23T04:00:00Z'),
  meetsRequest: null,
};

describe('dispatchNoticeText', () => {
  test('names the order, receiver, product, route, manager, ETA and the Seoul deadline', () => {
    const text = dispatchNoticeText(base);
    assert.ok(text.startsWith('```\n') && text.endsWith('\n```'));
    for (const part of [
      'order 0190f000-0000-7000-8000-0000000000aa',
      'Receiver: Seoul Office Co., 서울특별시 송파구 송파대로 55',
      'Product: Kimchi × 3',
      'Request: none',
      'Start hub: 서울특별시 센터',
      'Via: 경기 남부 센터 → 대구광역시 센터',
      'Destination hub: 부산광역시 센터',
      "First leg's manager: unassigned",
      'ETA: 4 h 05 min',
      'Dispatch deadline: 2026-11-23 13:00 (Asia/Seoul)',
    ]) {
      assert.ok(text.includes(part), part);
    }
  });

  test('a same-hub order goes via nowhere; an unmeetable request says so', () => {
    const text = dispatchNoticeText({ ...base, hubNames: ['서울특별시 센터'], meetsRequest: false });
    assert.ok(text.includes('Via: none'));
    assert.ok(text.includes('can no longer be met'));
  });

  test('user text cannot break the code block nor pass Discord’s limit', () => {
    const text = dispatchNoticeText({ ...base, requestNote: '```@everyone```' + 'x'.repeat(4000) });
    assert.equal(text.split('```').length, 3, 'only the frame’s own fences');
    assert.ok(text.length <= DISCORD_CONTENT_LIMIT);
  });
});
