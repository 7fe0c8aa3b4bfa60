/**
 * Faults under load (issue 9): a subgraph killed while queries run, and Redis restarted while queries run. The
 * platform runs in one process on free ports of 127.0.0.1 (SQLite per subgraph, so nothing here touches the shared
 * MariaDB); the Redis of the second test is a `redis-server` of its own on a free port, killed and restarted by PID,
 * never the machine's shared one.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../lib/config/index.js';
import { bootSubgraph, type BootedSubgraph } from '../lib/subgraph/boot.js';
import { freePort, postGraphQL, silentLogger, type GraphQLResponse } from '../lib/testing/index.js';
import { loadSubgraphs } from '../tools/subgraphs.js';
import { startPlatform, type Platform } from '../tools/platform.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const clean of cleanups.reverse()) await clean().catch(() => undefined);
});

async function platformOn(env: Record<string, string>): Promise<{ platform: Platform; config: Config }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-faults-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    // The load comes from one user on one address; its budgets are not what these tests are about.
    RATE_LIMIT_ADDRESS_POINTS: '1000000',
    RATE_LIMIT_USER_POINTS: '1000000',
    ...env,
  });
  const platform = await startPlatform({ config, logger: silentLogger, ports: 'ephemeral', seed: false });
  cleanups.push(() => platform.stop());
  return { platform, config };
}

const SIGN_IN = 'mutation($u: String!) { signIn(username: $u, password: "hubgraph-demo") { accessToken } }';
async function signIn(platform: Platform, username: string) {
  const r = await postGraphQL(platform.gatewayUrl, SIGN_IN, { u: username });
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data!.signIn.accessToken as string;
}

interface Sample {
  at: number;
  ms: number;
  response: GraphQLResponse;
}

/** Sends `query` from `workers` loops until stopped; every answer is kept with its time and latency. */
function load(url: string, query: string, headers: Record<string, string>, workers = 4) {
  const samples: Sample[] = [];
  let running = true;
  const started = performance.now();
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const t0 = performance.now();
      const response = await postGraphQL(url, query, {}, headers).catch((err: Error) => ({
        status: 0,
        body: { errors: [{ message: err.message }] },
      }));
      samples.push({ at: t0 - started, ms: performance.now() - t0, response });
      await sleep(5);
    }
  });
  return {
    samples,
    since: (at: number) => samples.filter((s) => s.at >= at),
    now: () => performance.now() - started,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const codes = (r: GraphQLResponse) => (r.body.errors ?? []).map((e) => String(e.extensions?.code));

test(
  'a subgraph killed under load: partial data with SERVICE_UNAVAILABLE, a fast-failing breaker, recovery without a restart',
  { timeout: 60_000 },
  async (t) => {
    const { platform, config } = await platformOn({
      SUBGRAPH_BREAKER_RESET_MS: '1000',
      SUBGRAPH_BREAKER_MIN_REQUESTS: '5',
      SUBGRAPH_TIMEOUT_MS: '2000',
    });
    const token = await signIn(platform, 'delivery_manager');
    // user answers `me`; delivery answers `deliveryManager` (an entity fetch), a nullable field.
    const query = '{ me { id username deliveryManager { id kind } } }';
    const full = await postGraphQL(platform.gatewayUrl, query, {}, { authorization: `Bearer ${token}` });
    assert.equal(full.body.errors, undefined, JSON.stringify(full.body.errors));
    assert.ok(full.body.data!.me.deliveryManager.id);

    const traffic = load(platform.gatewayUrl, query, { authorization: `Bearer ${token}` });
    try {
      await sleep(500);
      const delivery = platform.subgraphs.delivery;
      const port = Number(new URL(delivery.url).port);
      const killedAt = traffic.now();
      await delivery.stop();
      await sleep(2500);
      const restartedAt = traffic.now();
      const def = (await loadSubgraphs()).find((d) => d.name === 'delivery')!;
      const urls = Object.fromEntries(Object.values(platform.subgraphs).map((s) => [s.name, s.url]));
      const restarted: BootedSubgraph = await bootSubgraph(def, {
        config,
        infra: platform.infra,
        logger: silentLogger,
        port,
        seed: false,
        peers: { url: (name) => urls[name]! },
      });
      cleanups.push(() => restarted.stop());
      const bootedAt = traffic.now();
      // The breaker lets one fetch through after its reset time (1 s); give it a few.
      let recoveredAt: number | undefined;
      for (let waited = 0; waited < 8000 && recoveredAt === undefined; waited += 100) {
        await sleep(100);
        const recent = traffic.since(bootedAt).filter((s) => s.response.body.errors === undefined);
        recoveredAt = recent[0]?.at;
      }
      await sleep(300);
      await traffic.stop();

      const all = traffic.samples;
      assert.deepEqual(
        all.filter((s) => s.response.status >= 500 || s.response.status === 0).map((s) => s.response.status),
        [],
        'no 5xx and no lost answers',
      );
      const down = traffic.since(killedAt + 200).filter((s) => s.at < restartedAt);
      assert.ok(down.length > 20, `answers kept coming while delivery was down (${down.length})`);
      for (const s of down) {
        // Partial: what user answered is there; delivery's field is null with a coded error at its path.
        assert.equal(s.response.body.data?.me?.username, 'delivery_manager');
        if (s.response.body.errors === undefined) continue; // Answered before the stop took effect.
        assert.equal(s.response.body.data!.me.deliveryManager, null);
        const [error] = s.response.body.errors;
        assert.equal(error!.extensions?.code, 'SERVICE_UNAVAILABLE');
        assert.deepEqual((error as { path?: unknown }).path, ['me', 'deliveryManager']);
        assert.doesNotMatch(JSON.stringify(error), /127\.0\.0\.1|ECONNREFUSED|fetch failed/, 'nothing internal');
      }
      const reasons = down.flatMap((s) => (s.response.body.errors ?? []).map((e) => String(e.extensions?.reason)));
      assert.ok(reasons.includes('CIRCUIT_OPEN'), `the breaker opened (${[...new Set(reasons)].join(', ')})`);
      const open = down.filter((s) => s.response.body.errors?.[0]?.extensions?.reason === 'CIRCUIT_OPEN');
      const medianOpen = open.map((s) => s.ms).sort((a, b) => a - b)[Math.floor(open.length / 2)]!;
      assert.ok(medianOpen < 100, `an open breaker answers at once (median ${medianOpen.toFixed(1)} ms)`);

      assert.ok(recoveredAt !== undefined, 'full answers came back after the restart, without restarting the gateway');
      // Once one full answer came back the breaker is closed: what follows is full (an answer already under way when
      // it closed may still carry the last CIRCUIT_OPEN, hence the last ones).
      const after = traffic.since(recoveredAt + 1);
      const bad = after.filter(
        (s) => s.response.body.errors !== undefined || !s.response.body.data!.me.deliveryManager,
      );
      for (const b of bad.slice(0, 3))
        t.diagnostic(`after recovery: ${b.at.toFixed(0)} ms ${JSON.stringify(b.response)}`);
      assert.ok(after.length >= 5 && bad.length <= after.length / 10, `${bad.length} of ${after.length} not full`);
      assert.ok(
        after.slice(-5).every((s) => s.response.body.errors === undefined),
        'the last answers are full',
      );
      t.diagnostic(
        `${all.length} answers; ${down.length} while down (${open.length} from the open breaker, median ` +
          `${medianOpen.toFixed(1)} ms); full data again ${Math.round(recoveredAt - restartedAt)} ms after the restart`,
      );
    } finally {
      await traffic.stop();
    }
  },
);

/** Starts `redis-server` on `port` as a child of this process, resolved once it answers PING. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`redis exited ${code}`))),
  );
  exited.catch(() => undefined);
  for (let i = 0; i < 100; i++) {
    const pong = await Promise.race([ping(port), exited]).catch(() => false);
    if (pong) return child;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on ${port} did not answer`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function stopRedis(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

test(
  'Redis restarted under load: no crash; sign-in fails closed with a code, reads of live sessions go on',
  { timeout: 60_000 },
  async (t) => {
    const port = await freePort();
    let redis = await startRedis(port);
    cleanups.push(() => stopRedis(redis));
    const { platform } = await platformOn({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: 'hgfaults:' });
    const token = await signIn(platform, 'hub_manager');
    const auth = { authorization: `Bearer ${token}` };
    const read = '{ me { username } hubs { name } }';
    const ok = await postGraphQL(platform.gatewayUrl, read, {}, auth);
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));

    const traffic = load(platform.gatewayUrl, read, auth, 3);
    try {
      await sleep(400);
      const downAt = traffic.now();
      await stopRedis(redis);
      await sleep(300);

      // Authentication fails closed, at once and with a code: the sign-in limits cannot be counted.
      const t0 = performance.now();
      const signInDown = await postGraphQL(platform.gatewayUrl, SIGN_IN, { u: 'member' });
      const signInMs = performance.now() - t0;
      assert.ok(signInDown.status < 500, `sign-in answered ${signInDown.status}`);
      assert.equal(signInDown.body.data?.signIn ?? null, null);
      assert.deepEqual(codes(signInDown), ['SERVICE_UNAVAILABLE']);
      assert.ok(signInMs < 2000, `sign-in refused in ${Math.round(signInMs)} ms`);
      // A token this gateway has not seen alive lately is refused too (closed): 503, SERVICE_UNAVAILABLE.
      const stranger = await postGraphQL(
        platform.gatewayUrl,
        read,
        {},
        {
          authorization: `Bearer ${await unseenToken(token)}`,
        },
      );
      assert.ok([401, 503].includes(stranger.status), `unknown token answered ${stranger.status}`);
      await sleep(700);

      const upAt = traffic.now();
      redis = await startRedis(port);
      // The session records were in the old process's memory: the restarted Redis has none, so the old token's
      // session has ended; signing in again works once the clients have reconnected.
      let again: string | undefined;
      for (let i = 0; i < 60 && !again; i++) {
        await sleep(100);
        const r = await postGraphQL(platform.gatewayUrl, SIGN_IN, { u: 'hub_manager' });
        again = r.body.data?.signIn?.accessToken as string | undefined;
      }
      assert.ok(again, 'sign-in works again after Redis is back');
      // The gateway's session check waits a moment after a failure before asking Redis again (lib/auth/sessions.ts),
      // so a new session may be refused with a code for up to that moment; then it reads, with no restart.
      let fresh = await postGraphQL(platform.gatewayUrl, read, {}, { authorization: `Bearer ${again}` });
      for (let i = 0; i < 50 && fresh.body.errors; i++) {
        assert.deepEqual(codes(fresh), ['SERVICE_UNAVAILABLE']);
        await sleep(100);
        fresh = await postGraphQL(platform.gatewayUrl, read, {}, { authorization: `Bearer ${again}` });
      }
      assert.equal(fresh.body.errors, undefined, JSON.stringify(fresh.body.errors));
      await traffic.stop();

      // Answered before Redis came back: a read sent just before the restart but answered after it meets the new,
      // empty Redis, where the old session is gone (as the comment above says), and is rightly refused.
      const down = traffic.since(downAt + 100).filter((s) => s.at + s.ms < upAt);
      assert.ok(down.length > 10, `reads kept coming while Redis was down (${down.length})`);
      const served = down.filter((s) => s.response.body.errors === undefined);
      const refused = down.filter((s) => s.response.body.errors !== undefined);
      for (const b of refused.slice(0, 3)) t.diagnostic(`refused while down: ${JSON.stringify(b.response)}`);
      // Reads open: the session was checked a moment before, and nothing can revoke it while Redis is down. An answer
      // caught at the moment of the kill may fail, but with a code.
      assert.ok(
        served.length >= down.length * 0.9,
        `reads served while Redis was down: ${served.length}/${down.length}`,
      );
      for (const s of refused) assert.ok(s.response.body.errors!.every((e) => typeof e.extensions?.code === 'string'));
      assert.ok(down.every((s) => s.response.body.data?.me?.username === 'hub_manager'));
      assert.deepEqual(
        traffic.samples
          .filter((s) => s.response.status === 0 || s.response.status >= 500)
          .map((s) => s.response.status),
        [],
        'no lost answers and no 5xx under load',
      );
      t.diagnostic(
        `${traffic.samples.length} reads; ${down.length} while Redis was down, ${served.length} served; sign-in refused in ` +
          `${Math.round(signInMs)} ms with SERVICE_UNAVAILABLE`,
      );
    } finally {
      await traffic.stop();
    }
  },
);

/** The same claims under another session id: valid signature, a session this gateway never checked. */
async function unseenToken(token: string): Promise<string> {
  const { SignJWT, decodeJwt } = await import('jose');
  const claims = decodeJwt(token);
  const secret = new TextEncoder().encode(loadConfig({ NODE_ENV: 'test' }).auth.jwtSecret);
  return new SignJWT({ ...claims, sid: `${String(claims.sid ?? 'x')}-unseen` })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(secret);
}
