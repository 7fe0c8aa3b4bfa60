/** Command-line options of `npm run simulate:lockers` (see index.ts for what each does). */
import { parseArgs } from 'node:util';

export interface Faults {
  /** Probability that an acknowledged command's ack is never sent (the device still opens). */
  lostAcks: number;
  /** Per device and second, the probability of dropping the connection without a DISCONNECT (the will fires). */
  disconnects: number;
  /** Fraction of messages replaced by garbage (malformed JSON, an unknown compartment, an oversized payload…). */
  garbage: number;
  /** Fraction of messages sent twice (as a QoS 1 redelivery would). */
  duplicates: number;
  /** Probability that an action is a compartment fault (cleared again by a later action). */
  jams: number;
}

export interface SimulatorOptions {
  /** How many devices: the demo lockers first, then generated ones. */
  lockers: number;
  /** Messages per second, all devices together. */
  rate: number;
  /** Seconds before the simulator stops by itself. */
  durationSeconds: number;
  mqttUrl?: string;
  /** Devices connect with their locker id as username and this password (brokers with an ACL). */
  devicePassword?: string;
  /** Create the missing generated lockers through the gateway as MASTER. */
  seed: boolean;
  gatewayUrl: string;
  username: string;
  password: string;
  /** A JSON list of `{ id, compartments }` to simulate instead of the demo/generated lockers. */
  lockersFile?: string;
  /** Print one JSON summary line at the end instead of the text report. */
  json: boolean;
  /** Seconds between progress lines (0 = none). */
  progressSeconds: number;
  /** Add `sentAt` (fractional epoch ms) to state and events, for latency measurements; the platform ignores it. */
  stamp: boolean;
  faults: Faults;
}

const HELP = `npm run simulate:lockers -- [options]
  --lockers N          devices to simulate (default 3: the demo lockers; more need generated lockers, see --seed)
  --rate R             messages per second, all devices together (default 20)
  --duration S         stop after S seconds (default 60; at most 3600)
  --mqtt URL           broker (default: MQTT_URL, else the embedded broker on 127.0.0.1:1884)
  --device-password P  devices log in as their locker id with this password (a broker with an ACL)
  --seed               create the missing generated lockers through the gateway as MASTER
  --gateway URL        gateway for --seed (default http://127.0.0.1:4000/graphql)
  --username U --password P   MASTER credentials for --seed (default the demo master)
  --lockers-file F     simulate the lockers listed in F ([{ "id", "compartments" }])
  --lost-acks P --disconnects P --garbage P --duplicates P --jams P   fault injection (probabilities, 0…1)
  --faults             a demo mix of every fault (lost acks 0.2, disconnects 0.01/s, garbage 0.02, duplicates 0.05, jams 0.02)
  --progress S         a progress line every S seconds (default 5; 0 = none)
  --json               one JSON summary line at the end
  --stamp              add "sentAt" (fractional epoch ms) to state and events (latency measurements)`;

const probability = (name: string, value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`--${name} must be a probability between 0 and 1`);
  return n;
};
const positive = (name: string, value: string | undefined, fallback: number, max: number) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0 && n <= max)) throw new Error(`--${name} must be a number in (0, ${max}]`);
  return n;
};

export function parseOptions(argv: string[]): SimulatorOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      lockers: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      mqtt: { type: 'string' },
      'device-password': { type: 'string' },
      seed: { type: 'boolean', default: false },
      gateway: { type: 'string', default: 'http://127.0.0.1:4000/graphql' },
      username: { type: 'string', default: 'master' },
      password: { type: 'string', default: 'hubgraph-demo' },
      'lockers-file': { type: 'string' },
      'lost-acks': { type: 'string' },
      disconnects: { type: 'string' },
      garbage: { type: 'string' },
      duplicates: { type: 'string' },
      jams: { type: 'string' },
      faults: { type: 'boolean', default: false },
      progress: { type: 'string' },
      json: { type: 'boolean', default: false },
      stamp: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const demo = values.faults;
  return {
    lockers: Math.floor(positive('lockers', values.lockers, 3, 100_000)),
    rate: positive('rate', values.rate, 20, 1_000_000),
    durationSeconds: positive('duration', values.duration, 60, 3600),
    mqttUrl: values.mqtt,
    devicePassword: values['device-password'],
    seed: values.seed,
    gatewayUrl: values.gateway,
    username: values.username,
    password: values.password,
    lockersFile: values['lockers-file'],
    json: values.json,
    stamp: values.stamp,
    progressSeconds: values.progress === undefined ? 5 : Number(values.progress),
    faults: {
      lostAcks: probability('lost-acks', values['lost-acks'], demo ? 0.2 : 0),
      disconnects: probability('disconnects', values.disconnects, demo ? 0.01 : 0),
      garbage: probability('garbage', values.garbage, demo ? 0.02 : 0),
      duplicates: probability('duplicates', values.duplicates, demo ? 0.05 : 0),
      jams: probability('jams', values.jams, demo ? 0.02 : 0),
    },
  };
}

export { HELP };
