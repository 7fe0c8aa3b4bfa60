/**
 * The platform as docker-compose deploys it, for benchmarks: built (`npm run build`), one process per service (the
 * gateway and each subgraph, `node dist/…`), on the real MariaDB, Redis and Mosquitto, in throwaway databases and
 * a Redis prefix of its own, with the demo data seeded. A figure measured here is what a deployment would see,
 * not what one process hosting everything (npm start) sees: each service has its own event loop and the machine
 * shares its cores among them.
 *
 * Every process is ours (spawned here) and ended by PID on stop; the databases are dropped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { testServiceUrls } from '../lib/config/index.js';
import { dropMysqlDatabases } from '../lib/orm/index.js';
import { freePort } from '../lib/testing/index.js';
import { SUBGRAPH_NAMES, subgraphEnvNames, subgraphPaths, type SubgraphName } from '../lib/topology/index.js';
import { build, builtPath } from '../tools/build.js';
import { ROOT } from '../tools/supergraph.js';

export type ServiceName = 'gateway' | SubgraphName;

export interface DeployedPlatform {
  gatewayUrl: string;
  /** Each subgraph's `/graphql`, for requests with a passport straight to it. */
  subgraphUrl(subgraph: SubgraphName): string;
  /** PASSPORT_SECRET of this run (random), to sign passports for those requests. */
  passportSecret: string;
  /** REDIS_PREFIX of this run. */
  redisPrefix: string;
  /** `<prefix>_<subgraph>`: where each subgraph keeps its tables. */
  databaseName(subgraph: SubgraphName): string;
  databaseUrl: string;
  /** CPU seconds each service's process has used so far (with GATEWAY_WORKERS, the gateway's primary only). */
  cpuSeconds(): Promise<Record<ServiceName, number>>;
  stop(): Promise<void>;
}

/** CPU seconds a process has used so far (Linux /proc: utime + stime in clock ticks of 1/100 s; 0 elsewhere). */
export async function processCpuSeconds(pid: number | undefined): Promise<number> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Node flags for a benchmark's service process: with BENCH_CPU_PROFILES=<dir>, it writes a V8 CPU profile there when
 * it stops (`<name>.cpuprofile`); without it, none.
 */
export function cpuProfileFlags(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROFILES;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}

async function untilServing(url: string, child: ChildProcess, name: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before serving`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not serve ${url} within 30 s`);
}

/**
 * Builds, seeds and starts the platform; `env` adds settings for every process (e.g. `RATE_LIMITS: 'off'`), and
 * `gatewayEnv` for the gateway alone (e.g. `GATEWAY_WORKERS`).
 */
export async function startDeployedPlatform(
  options: { env?: Record<string, string>; gatewayEnv?: Record<string, string> } = {},
): Promise<DeployedPlatform> {
  await build();
  const id = randomBytes(4).toString('hex');
  const services = testServiceUrls();
  const prefix = `hgtest_${id}`;
  const ports = Object.fromEntries(
    await Promise.all(SUBGRAPH_NAMES.map(async (name) => [name, await freePort()] as const)),
  ) as Record<SubgraphName, number>;
  const gatewayPort = await freePort();
  const passportSecret = randomBytes(32).toString('base64url');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: services.databaseUrl,
    DATABASE_PREFIX: prefix,
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: `${prefix}:`,
    MQTT_URL: services.mqttUrl,
    PASSPORT_SECRET: passportSecret,
    GATEWAY_PORT: String(gatewayPort),
    ...Object.fromEntries(
      SUBGRAPH_NAMES.flatMap((name) => {
        const vars = subgraphEnvNames(name);
        return [
          [vars.port, String(ports[name])],
          [vars.url, `http://127.0.0.1:${ports[name]}/graphql`],
        ];
      }),
    ),
    ...options.env,
  };
  const children = new Map<ServiceName, ChildProcess>();
  const launch = (name: ServiceName | 'seed', source: string, extra: Record<string, string> = {}) => {
    const flags = name === 'seed' ? [] : cpuProfileFlags(name);
    const child = spawn(process.execPath, [...flags, builtPath(source)], {
      cwd: ROOT,
      env: { ...env, ...extra },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (name !== 'seed') children.set(name, child);
    return child;
  };
  // A bench that dies without calling stop() must not leave the services running.
  const killAll = () => {
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', killAll);
  const stop = async () => {
    process.off('exit', killAll);
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all([...children.values()].map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
    await dropMysqlDatabases(
      services.databaseUrl,
      SUBGRAPH_NAMES.map((name) => `${prefix}_${name}`),
    );
  };
  try {
    // Schemas and demo data first (seed migrates), as `docker compose --profile demo up` runs them.
    const [code] = (await once(launch('seed', 'tools/seed.ts'), 'exit')) as [number];
    if (code !== 0) throw new Error(`seeding exited with ${code}`);
    await Promise.all(
      SUBGRAPH_NAMES.map((name) =>
        untilServing(
          `http://127.0.0.1:${ports[name]}/readyz`,
          launch(name, subgraphPaths(name).entry),
          `the ${name} subgraph`,
        ),
      ),
    );
    const gateway = launch('gateway', 'gateway/src/index.ts', options.gatewayEnv);
    await untilServing(`http://127.0.0.1:${gatewayPort}/healthz`, gateway, 'the gateway');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
    subgraphUrl: (subgraph) => `http://127.0.0.1:${ports[subgraph]}/graphql`,
    passportSecret,
    redisPrefix: `${prefix}:`,
    databaseUrl: services.databaseUrl,
    databaseName: (subgraph) => `${prefix}_${subgraph}`,
    async cpuSeconds() {
      const entries = await Promise.all(
        [...children].map(async ([name, child]) => [name, await processCpuSeconds(child.pid)] as const),
      );
      return Object.fromEntries(entries) as Record<ServiceName, number>;
    },
    stop,
  };
}
