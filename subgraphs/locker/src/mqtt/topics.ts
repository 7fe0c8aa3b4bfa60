/** Topic names of the locker device protocol (docs/mqtt-protocol.md): the wire format, kept with its transport. */
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
