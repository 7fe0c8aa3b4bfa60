/** Topic names of the device protocol (docs/mqtt-protocol.md). */
export const TOPIC_PREFIX = 'hubgraph/lockers/';
export type DeviceTopicKind = 'presence' | 'state' | 'events' | 'acks' | 'commands';

export const lockerTopic = (lockerId: string, kind: DeviceTopicKind) => `${TOPIC_PREFIX}${lockerId}/${kind}`;
export const allLockersTopic = (kind: DeviceTopicKind) => `${TOPIC_PREFIX}+/${kind}`;

/** Splits `hubgraph/lockers/{id}/{kind}`; null for anything else. */
export function parseLockerTopic(topic: string): { lockerId: string; kind: string } | null {
  if (!topic.startsWith(TOPIC_PREFIX)) return null;
  const [lockerId, kind, ...rest] = topic.slice(TOPIC_PREFIX.length).split('/');
  return lockerId && kind && rest.length === 0 ? { lockerId, kind } : null;
}

/** Presence payloads are JSON strings ("online"); bare words are accepted from simple devices. */
export function parsePresence(payload: string): boolean | null {
  let value: unknown = payload.trim();
  try {
    value = JSON.parse(payload);
  } catch {
    // a bare word
  }
  return value === 'online' ? true : value === 'offline' ? false : null;
}
