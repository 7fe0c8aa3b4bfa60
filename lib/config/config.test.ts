import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyLibraryEnvironment, ConfigError, DEMO_SECRETS, ENV_VARIABLES, loadConfig, loadEnvFile } from './index.js';

test('with nothing configured, config selects the embedded defaults', () => {
  const c = loadConfig({});
  assert.equal(c.database.kind, 'sqlite');
  assert.ok(!('url' in c.redis));
  assert.deepEqual(c.mqtt, { embeddedPort: 1884 });
  assert.equal(c.gateway.port, 4000);
  assert.deepEqual(c.subgraphs.locker, { port: 4005, url: 'http://127.0.0.1:4005/graphql' });
});

test('with DATABASE_URL, REDIS_URL and MQTT_URL set, config selects the real services', () => {
  const c = loadConfig({ DATABASE_URL: 'mysql://u:p@db:3306', REDIS_URL: 'redis://r:6379', MQTT_URL: 'mqtt://m:1883' });
  assert.deepEqual(c.database, { kind: 'mysql', url: 'mysql://u:p@db:3306', prefix: 'hubgraph' });
  assert.equal('url' in c.redis && c.redis.url, 'redis://r:6379');
  assert.deepEqual(c.mqtt, { url: 'mqtt://m:1883' });
});

test('invalid values are refused with every offending variable named', () => {
  assert.throws(
    () => loadConfig({ GATEWAY_PORT: 'abc', DATABASE_URL: 'not a url', JWT_SECRET: 'short' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /GATEWAY_PORT/.test(err.message) &&
      /DATABASE_URL/.test(err.message) &&
      /JWT_SECRET/.test(err.message),
  );
});

test('production refuses the local demo secrets', () => {
  assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /JWT_SECRET, PASSPORT_SECRET, EVENT_SECRET/);
  const ok = loadConfig({
    NODE_ENV: 'production',
    JWT_SECRET: 'x'.repeat(40),
    PASSPORT_SECRET: 'y'.repeat(40),
    EVENT_SECRET: 'z'.repeat(40),
    PICKUP_CODE_SECRET: 'p'.repeat(40),
  });
  assert.notEqual(ok.auth.jwtSecret, DEMO_SECRETS.JWT_SECRET);
});

test('a bootstrap master needs both a username and a password', () => {
  assert.throws(() => loadConfig({ BOOTSTRAP_MASTER_USERNAME: 'root' }), ConfigError);
  assert.deepEqual(
    loadConfig({ BOOTSTRAP_MASTER_USERNAME: 'boss', BOOTSTRAP_MASTER_PASSWORD: 'pw-123456789' }).bootstrapMaster,
    {
      username: 'boss',
      password: 'pw-123456789',
    },
  );
});

test('Apollo gateway telemetry is switched off unless APOLLO_TELEMETRY=true', () => {
  const off: NodeJS.ProcessEnv = {};
  applyLibraryEnvironment(loadConfig({}), off);
  assert.equal(off.APOLLO_TELEMETRY_DISABLED, 'true');
  const on: NodeJS.ProcessEnv = {};
  applyLibraryEnvironment(loadConfig({ APOLLO_TELEMETRY: 'true' }), on);
  assert.equal(on.APOLLO_TELEMETRY_DISABLED, undefined);
});

test('listening beyond loopback refuses the public demo secrets, whatever NODE_ENV says', () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
    assert.throws(() => loadConfig({ HOST: host }), /HOST=.*JWT_SECRET, PASSPORT_SECRET/);
    assert.throws(() => loadConfig({ HOST: host, JWT_SECRET: 'x'.repeat(40) }), /PASSPORT_SECRET/);
  }
  const own = {
    JWT_SECRET: 'x'.repeat(40),
    PASSPORT_SECRET: 'y'.repeat(40),
    EVENT_SECRET: 'z'.repeat(40),
    PICKUP_CODE_SECRET: 'p'.repeat(40),
  };
  assert.throws(() => loadConfig({ HOST: '0.0.0.0', ...own, EVENT_SECRET: undefined }), /EVENT_SECRET/);
  assert.throws(() => loadConfig({ HOST: '0.0.0.0', ...own, PICKUP_CODE_SECRET: undefined }), /PICKUP_CODE_SECRET/);
  assert.equal(loadConfig({ HOST: '0.0.0.0', ...own }).host, '0.0.0.0');
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1'])
    assert.equal(loadConfig({ HOST: host }).host, host);
});

test('a .env file fills in variables the environment does not set, and never overrides one it does', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-env-'));
  try {
    const file = path.join(dir, '.env');
    assert.equal(loadEnvFile(file), false, 'no file, nothing loaded');
    await writeFile(file, 'HUBGRAPH_TEST_FROM_FILE=file\nHUBGRAPH_TEST_BOTH=file\n');
    process.env.HUBGRAPH_TEST_BOTH = 'environment';
    assert.equal(loadEnvFile(file), true);
    assert.equal(process.env.HUBGRAPH_TEST_FROM_FILE, 'file');
    assert.equal(process.env.HUBGRAPH_TEST_BOTH, 'environment');
  } finally {
    delete process.env.HUBGRAPH_TEST_FROM_FILE;
    delete process.env.HUBGRAPH_TEST_BOTH;
    await rm(dir, { recursive: true, force: true });
  }
});

test('.env.example documents every variable the platform reads', async () => {
  const example = await readFile(new URL('../../.env.example', import.meta.url), 'utf8');
  const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  assert.deepEqual(
    ENV_VARIABLES.filter((v) => !documented.has(v)),
    [],
  );
});
