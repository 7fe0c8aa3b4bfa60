/**
 * MQTT adapter: device presence → Locker.online. The broker's ACL guarantees a device can publish
 * only under its own locker's topics, so the topic's locker id is trusted here.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { MqttClient } from '../../../../lib/infra/mqtt.js';
import type { Logger } from '../../../../lib/logger/index.js';
import type { BackgroundTask } from '../../../../lib/subgraph/background.js';
import type { SubgraphDeps } from '../../../../lib/subgraph/index.js';
import { LockerService } from '../services/lockers.service.js';
import { allLockersTopic, parseLockerTopic } from './topics.js';

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

export async function bridgePresence(mqtt: MqttClient, orm: MikroORM, logger: Logger): Promise<() => Promise<void>> {
  const topic = allLockersTopic('presence');
  const onMessage = (name: string, payload: Buffer) => {
    const parsed = parseLockerTopic(name);
    if (!parsed || parsed.kind !== 'presence') return;
    const online = parsePresence(payload.toString('utf8'));
    if (online === null) {
      logger.warn({ topic: name }, 'ignored malformed presence payload');
      return;
    }
    new LockerService(orm.em.fork())
      .setOnline(parsed.lockerId, online)
      .then((known) => {
        if (!known) logger.warn({ lockerId: parsed.lockerId }, 'presence from unknown locker');
      })
      .catch((err: unknown) => logger.error({ err, lockerId: parsed.lockerId }, 'could not record presence'));
  };
  mqtt.on('message', onMessage);
  await mqtt.subscribeAsync(topic, { qos: 1 });
  return async () => {
    mqtt.off('message', onMessage);
    if (mqtt.connected) await mqtt.unsubscribeAsync(topic);
  };
}

/** The presence bridge as the locker subgraph's background task. */
export const presenceBridge: BackgroundTask<SubgraphDeps> = {
  name: 'mqtt-presence',
  async start({ infra, db, logger }) {
    if (!infra.mqtt) throw new Error('The locker subgraph needs an MQTT connection');
    return bridgePresence(infra.mqtt, db.orm, logger.child({ component: 'mqtt' }));
  },
};
