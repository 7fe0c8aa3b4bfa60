/**
 * Test helpers. Integration and end-to-end tests run against the real MariaDB, Redis and Mosquitto
 * with databases and key prefixes of their own (`hgtest_<random>`), which they drop afterwards.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { loadConfig, testServiceUrls, type Config } from '../config/index.js';
import { PASSPORT_HEADER, signPassport } from '../auth/tokens.js';
import { ANONYMOUS, type Viewer } from '../auth/viewer.js';
import type { PeerDirectory } from '../federation/index.js';
import { createInfra, type Infra } from '../infra/index.js';
import { createLogger } from '../logger/index.js';
import { databaseName, dropMysqlDatabases } from '../orm/index.js';
import { bootSubgraph, type BootedSubgraph } from '../subgraph/boot.js';
import type { BaseContext, SubgraphDefinition } from '../subgraph/index.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../topology/index.js';

export const silentLogger = createLogger('silent', 'test');

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picked it), for a server a test or benchmark starts. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A config on the real services, isolated by a random database prefix and Redis key prefix. */
export function realServicesConfig(overrides: Record<string, string> = {}): Config {
  const urls = testServiceUrls();
  const id = randomBytes(4).toString('hex');
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: urls.databaseUrl,
    DATABASE_PREFIX: `hgtest_${id}`,
    REDIS_URL: urls.redisUrl,
    REDIS_PREFIX: `hgtest:${id}:`,
    MQTT_URL: urls.mqttUrl,
    ...overrides,
  });
}

/** Drops every database a realServicesConfig created (only ever `hgtest_` ones). */
export async function dropTestDatabases(config: Config): Promise<void> {
  if (config.database.kind !== 'mysql') return;
  if (!config.database.prefix.startsWith('hgtest_')) throw new Error('refusing to drop a non-test database');
  await dropMysqlDatabases(
    config.database.url,
    SUBGRAPH_NAMES.map((n) => databaseName(config.database, n)),
  );
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  body: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

export async function postGraphQL<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse<T>['body'] };
}

/** Returns the first error's code, or undefined. */
export const errorCode = (r: GraphQLResponse) => r.body.errors?.[0]?.extensions?.code;

export interface TestSubgraph extends BootedSubgraph {
  config: Config;
  infra: Infra;
  /** Posts to the subgraph with a valid passport for `viewer`, as the gateway would. */
  request<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    viewer?: Viewer,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** Boots one subgraph on a free port against the real services, in databases of its own. */
export async function startTestSubgraph<T extends BaseContext>(
  def: SubgraphDefinition<T>,
  options: { seed?: boolean; mqtt?: boolean; env?: Record<string, string>; peers?: PeerDirectory } = {},
): Promise<TestSubgraph> {
  const config = realServicesConfig(options.env);
  const infra = await createInfra(config, {
    mqttUrl: options.mqtt && 'url' in config.mqtt ? config.mqtt.url : undefined,
  });
  let booted: BootedSubgraph;
  try {
    booted = await bootSubgraph(def, {
      config,
      infra,
      logger: silentLogger,
      port: 0,
      seed: options.seed ?? false,
      peers: options.peers,
    });
  } catch (err) {
    // Left open, the connections would keep the test file alive until its timeout.
    await infra.close();
    await dropTestDatabases(config).catch(() => undefined);
    throw err;
  }
  const passportOptions = { secret: config.auth.passportSecret, ttlSeconds: 60 };
  return {
    ...booted,
    config,
    infra,
    async request(query, variables = {}, viewer = ANONYMOUS) {
      const passport = await signPassport(viewer, def.name, passportOptions);
      return postGraphQL(booted.url, query, variables, { [PASSPORT_HEADER]: passport });
    },
    async close() {
      await booted.stop();
      await infra.close();
      await dropTestDatabases(config);
    },
  };
}

/**
 * Boots several subgraphs on free ports, each knowing where the others answer (for the questions only an
 * owner can answer, lib/federation). Returns them by name; `close()` closes them all.
 */
export async function startTestSubgraphs(
  defs: readonly SubgraphDefinition<any>[],
  options: { seed?: boolean; mqtt?: boolean; env?: Record<string, string> } = {},
): Promise<{ subgraphs: Partial<Record<SubgraphName, TestSubgraph>>; close(): Promise<void> }> {
  const urls = new Map<SubgraphName, string>();
  const peers: PeerDirectory = { url: (name) => urls.get(name) ?? `http://127.0.0.1:1/${name}-is-not-running` };
  const started = await Promise.allSettled(defs.map((def) => startTestSubgraph(def, { ...options, peers })));
  const subgraphs: Partial<Record<SubgraphName, TestSubgraph>> = {};
  for (const r of started) {
    if (r.status !== 'fulfilled') continue;
    subgraphs[r.value.name] = r.value;
    urls.set(r.value.name, r.value.url);
  }
  const close = async () => {
    await Promise.all(Object.values(subgraphs).map((sg) => sg.close()));
  };
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason;
  }
  return { subgraphs, close };
}
