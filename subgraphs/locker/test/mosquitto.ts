/**
 * A Mosquitto of the test's own, on a free loopback port, that the test can stop and start again (the machine's
 * broker is never touched). With `devices`, it requires passwords and enforces the repository's ACL
 * (deploy/mosquitto/acl): the user `platform` everywhere under hubgraph/lockers/, each device (username = locker id)
 * only under its own locker. Anonymous otherwise. Retained messages live in memory only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../lib/testing/index.js';

const REPO_ACL = fileURLToPath(new URL('../../../deploy/mosquitto/acl', import.meta.url));
export const PLATFORM_PASSWORD = 'test-platform-secret';

export interface TestBroker {
  port: number;
  /** The platform's URL (with its credentials when the broker has any). */
  url: string;
  /** A device's URL: its locker id as username, its password. */
  deviceUrl(lockerId: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });
}

export async function startTestBroker(options: { devices?: Record<string, string> } = {}): Promise<TestBroker> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-mosquitto-'));
  // Mosquitto started as root drops to its own user, which must read these files.
  await chmod(dir, 0o755);
  const port = await freePort();
  // As deploy/mosquitto/mosquitto.conf: the platform's queue absorbs a pause instead of dropping messages.
  const lines = [`listener ${port} 127.0.0.1`, 'persistence false', 'log_dest none', 'max_queued_messages 100000'];
  if (options.devices) {
    const passwd = path.join(dir, 'passwd');
    await writeFile(passwd, '');
    for (const [user, password] of Object.entries({ platform: PLATFORM_PASSWORD, ...options.devices })) {
      const r = spawnSync('mosquitto_passwd', ['-b', passwd, user, password]);
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr.toString()}`);
    }
    await chmod(passwd, 0o644);
    const acl = path.join(dir, 'acl');
    await copyFile(REPO_ACL, acl);
    await chmod(acl, 0o644);
    lines.push('allow_anonymous false', `password_file ${passwd}`, `acl_file ${acl}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(conf, `${lines.join('\n')}\n`);
  await chmod(conf, 0o644);

  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await answers(port)) return;
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
      await sleep(20);
    }
    throw new Error('mosquitto did not start');
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    running.kill('SIGTERM');
    await once(running, 'exit');
  };
  await start();
  const auth = (user: string, password: string) => `${encodeURIComponent(user)}:${encodeURIComponent(password)}@`;
  return {
    port,
    url: `mqtt://${options.devices ? auth('platform', PLATFORM_PASSWORD) : ''}127.0.0.1:${port}`,
    deviceUrl: (lockerId) =>
      `mqtt://${options.devices ? auth(lockerId, options.devices[lockerId] ?? '') : ''}127.0.0.1:${port}`,
    start,
    stop,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
