/**
 * `commands` (platform → device): the wire side of the services' DeviceCommandPort. Published with QoS 1 and not
 * retained; a device with a persistent session gets commands sent during a short disconnect. The command's deadline
 * bounds the wait whatever happens to the message, so a publish is never awaited by the caller.
 */
import type { MqttClient } from '../../../../lib/infra/mqtt.js';
import type { Logger } from '../../../../lib/logger/index.js';
import type { DeviceCommand, DeviceCommandPort } from '../services/ports.js';
import { lockerTopic } from './topics.js';

/** The JSON a device receives; pickup codes never travel to devices (docs/domain.md §11, 17). */
export const encodeCommand = (command: DeviceCommand): string =>
  JSON.stringify({
    commandId: command.commandId,
    type: command.type,
    compartment: command.compartment,
    expiresAt: command.expiresAt,
  });

export function mqttCommandPort(
  mqtt: MqttClient | undefined,
  logger: Logger,
  /** Told of each command the broker accepted (metrics). */
  onPublished?: () => void,
): DeviceCommandPort {
  return {
    send(lockerId, command) {
      if (!mqtt) {
        logger.warn({ lockerId, commandId: command.commandId }, 'no MQTT connection: command not sent');
        return;
      }
      mqtt
        .publishAsync(lockerTopic(lockerId, 'commands'), encodeCommand(command), { qos: 1 })
        .then(() => onPublished?.())
        .catch((err: unknown) =>
          logger.warn({ err, lockerId, commandId: command.commandId }, 'could not publish command'),
        );
    },
  };
}
