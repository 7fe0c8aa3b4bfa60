/**
 * `npm run simulate:lockers -- --lockers N --rate R`: a fleet of locker devices over MQTT, for demos and as the
 * load generator of bench/ingest.bench.ts. Each device announces itself (presence with a last will, retained state),
 * reports door, deposit and fault events with the state after each, answers commands (OPEN), and can inject faults
 * (lost acks, dropped connections, garbage payloads, duplicates, jammed compartments). It stops by itself after
 * --duration seconds and prints what it sent. `--help` lists the options.
 */
import { loadConfig } from '../../lib/config/index.js';
import { mqttUrl } from '../../lib/infra/index.js';
import { probeMqtt } from '../../lib/infra/probe.js';
import { main } from '../../lib/lifecycle/main.js';
import { runFleet } from './fleet.js';
import { fleetLockers, readLockersFile } from './lockers.js';
import { HELP, parseOptions } from './options.js';

/** A mistake in the options or a missing set-up: one line for the person, no stack trace. */
async function orExplain<T>(step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (err) {
    console.error(`simulate:lockers: ${err instanceof Error ? err.message : String(err)} (--help lists the options)`);
    process.exit(2);
  }
}

await main(async () => {
  const options = await orExplain(() => parseOptions(process.argv.slice(2)));
  if (options === 'help') {
    console.log(HELP);
    return;
  }
  const url = options.mqttUrl ?? mqttUrl(loadConfig());
  // A broker that is not there is one line naming it, not a stack trace per device.
  await probeMqtt(url, 3000, options.mqttUrl ? '--mqtt' : 'MQTT_URL');
  const lockers = await orExplain(() =>
    options.lockersFile
      ? readLockersFile(options.lockersFile)
      : fleetLockers(options.lockers, options.seed ? options : null),
  );
  const say = (line: string) => {
    if (!options.json) console.log(line);
  };
  say(
    `simulating ${lockers.length} lockers on ${url.replace(/\/\/[^@/]*@/, '//***@')} at ${options.rate} messages/s ` +
      `for ${options.durationSeconds} s`,
  );
  const summary = await runFleet(lockers, {
    mqttUrl: url,
    devicePassword: options.devicePassword,
    rate: options.rate,
    durationSeconds: options.durationSeconds,
    faults: options.faults,
    stamp: options.stamp,
    progress:
      options.progressSeconds > 0 && !options.json
        ? {
            everySeconds: options.progressSeconds,
            report: (p) => say(`  ${p.seconds} s: ${p.messages} messages, ${p.connected}/${lockers.length} connected`),
          }
        : undefined,
  });
  const { counters } = summary;
  if (options.json) {
    console.log(JSON.stringify({ ...summary, counters: { ...counters, messages: counters.messages } }));
    return;
  }
  say(`done: ${summary.messagesPerSecond.toFixed(0)} messages/s over ${summary.seconds.toFixed(1)} s`);
  say(`  sent: ${JSON.stringify(counters.sent)}; garbage ${counters.garbage}, duplicates ${counters.duplicates}`);
  say(
    `  commands: ${counters.commands} received (${counters.repeatedCommands} repeated, ${counters.expiredCommands} ` +
      `expired), ${counters.acksLost} acks lost; ${counters.disconnects} dropped connections`,
  );
});
