/**
 * The dispatch notice posted to Discord when a delivery is created (docs/domain.md §6): who receives what, along
 * which hubs, who drives first, the ETA and the dispatch deadline in Asia/Seoul. Text only; the webhook client posts it.
 */
import { formatDuration, formatSeoul } from './dispatch-deadline.js';

/** Discord refuses `content` longer than this. */
export const DISCORD_CONTENT_LIMIT = 2000;
/** A request note is free text of up to 4,000 characters; the notice shows its start. */
const NOTE_LIMIT = 300;

export interface DispatchNoticeInput {
  orderId: string;
  receiver: { kind: 'FIRM'; name: string; address: string } | { kind: 'LOCKER'; lockerId: string };
  productName: string;
  quantity: number;
  requestNote: string | null;
  /** Hub names in path order (one for a same-hub order). */
  hubNames: readonly string[];
  /** The first leg's manager (a delivery-manager profile id), or null while unassigned. */
  firstManager: string | null;
  /** Whole route, seconds. */
  etaSeconds: number;
  deadline: Date;
  /** False when the requested arrival can no longer be met. */
  meetsRequest: boolean | null;
}

/** Keeps user text from closing the code block or growing the message past Discord's limit. */
const clean = (text: string, limit: number) => {
  const flat = text.replace(/`/g, "'").replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
};

export function dispatchNoticeText(n: DispatchNoticeInput): string {
  const via = n.hubNames.slice(1, -1);
  const receiver =
    n.receiver.kind === 'FIRM'
      ? `${clean(n.receiver.name, 100)}, ${clean(n.receiver.address, 200)}`
      : `locker ${n.receiver.lockerId}`;
  const lines = [
    `Dispatch notice · order ${n.orderId}`,
    `Receiver: ${receiver}`,
    `Product: ${clean(n.productName, 100)} × ${n.quantity}`,
    `Request: ${n.requestNote?.trim() ? clean(n.requestNote, NOTE_LIMIT) : 'none'}`,
    `Start hub: ${n.hubNames[0] ?? '?'}`,
    `Via: ${via.length ? via.join(' → ') : 'none'}`,
    `Destination hub: ${n.hubNames[n.hubNames.length - 1] ?? '?'}`,
    `First leg's manager: ${n.firstManager ?? 'unassigned (next one released in the pool)'}`,
    `ETA: ${formatDuration(n.etaSeconds)}`,
    `Dispatch deadline: ${formatSeoul(n.deadline)} (Asia/Seoul)` +
      (n.meetsRequest === false ? ' — the requested arrival can no longer be met: dispatch at once' : ''),
  ];
  const text = ['```', ...lines, '```'].join('\n');
  return text.length > DISCORD_CONTENT_LIMIT ? `${text.slice(0, DISCORD_CONTENT_LIMIT - 4)}\n\`\`\`` : text;
}
