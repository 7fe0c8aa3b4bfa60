/**
 * MQTT adapter: device presence → Locker.online. The broker's ACL guarantees a device can publish
 * only under its own locker's topics, so the topic's locker id is trusted here.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { MqttClient } from '../../../../lib/infra/mqtt.js';
import type { Logger } from '../../../../lib/logger/index.js';
import { allLockersTopic, parseLockerTopic, parsePresence } from '../domain/topics.js';
import { LockerService } from '../services/lockers.service.js';

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
      .catch((err) => logger.error({ err, lockerId: parsed.lockerId }, 'could not record presence'));
  };
  mqtt.on('message', onMessage);
  await mqtt.subscribeAsync(topic, { qos: 1 });
  return async () => {
    mqtt.off('message', onMessage);
    if (mqtt.connected) await mqtt.unsubscribeAsync(topic);
  };
}
