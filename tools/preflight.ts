/**
 * Before the integration and end-to-end tiers: do MariaDB, Redis and Mosquitto answer where the tests
 * look for them? All three are probed at once, so the check takes about one probe timeout at worst,
 * where a missing service used to cost minutes of test timeouts and a misleading first failure.
 * A missing service is a failure on CI and locally alike, never a skip.
 */
import { testServiceUrls } from '../lib/config/index.js';
import { DEFAULT_PROBE_TIMEOUT_MS, probeService, type ServiceTarget } from '../lib/infra/probe.js';

export interface TestService extends ServiceTarget {
  /** The command that starts it on these machines (as .ci/run does). */
  start: string;
}

/** The services the int and e2e tiers use, at testServiceUrls() (TEST_DATABASE_URL, TEST_REDIS_URL, TEST_MQTT_URL). */
export function testServices(urls = testServiceUrls()): TestService[] {
  return [
    {
      kind: 'mysql',
      url: urls.databaseUrl,
      variable: 'TEST_DATABASE_URL',
      start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
    },
    {
      kind: 'redis',
      url: urls.redisUrl,
      variable: 'TEST_REDIS_URL',
      start:
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
    },
    {
      kind: 'mqtt',
      url: urls.mqttUrl,
      variable: 'TEST_MQTT_URL',
      start: 'mosquitto -d -c /etc/mosquitto/mosquitto.conf',
    },
  ];
}

/**
 * Probes every service in parallel. Returns undefined when all answer, otherwise a report naming, for each
 * one that does not, the service, its URL (password masked), the variable, the reason and how to start it.
 */
export async function checkTestServices(
  services: TestService[] = testServices(),
  timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
): Promise<string | undefined> {
  const results = await Promise.allSettled(services.map((s) => probeService(s, timeoutMs)));
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected'
      ? [
          `  ✖ ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`,
          `      start it: ${services[i]!.start}`,
          `      or set ${services[i]!.variable} to one that runs`,
        ]
      : [],
  );
  if (failures.length === 0) return undefined;
  return ['Test services are not answering, so no test was run:', ...failures].join('\n');
}
