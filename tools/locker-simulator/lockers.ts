/**
 * Which lockers the simulator plays: the demo lockers (data/demo/lockers.json) first, then generated ones. A
 * generated locker needs its row on the platform, so `--seed` creates the missing ones through the gateway as
 * MASTER (createLocker) and remembers them in .data/simulated-lockers.json for the next runs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readDataFile } from '../../lib/orm/seed.js';
import type { SimulatedLocker } from './device.js';

const GENERATED_FILE = path.join('.data', 'simulated-lockers.json');
const GENERATED_COMPARTMENTS = 8;

interface DemoLocker {
  id: string;
  compartments: unknown[];
}

export function demoLockers(): SimulatedLocker[] {
  return readDataFile<DemoLocker[]>('demo/lockers.json').map((l) => ({
    id: l.id,
    compartments: l.compartments.length,
  }));
}

export async function readLockersFile(file: string): Promise<SimulatedLocker[]> {
  const list = JSON.parse(await readFile(file, 'utf8')) as SimulatedLocker[];
  if (!Array.isArray(list) || !list.every((l) => typeof l.id === 'string' && Number.isInteger(l.compartments))) {
    throw new Error(`${file} must hold [{ "id": string, "compartments": integer }]`);
  }
  return list;
}

async function graphql<T>(url: string, query: string, variables: object, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(`${url}: ${body.errors?.[0]?.message ?? res.status}`);
  return body.data;
}

/**
 * `count` lockers to simulate: the demo ones, then generated ones (created first with `seed`, else read from
 * GENERATED_FILE; missing ones are an error that says to run with --seed).
 */
export async function fleetLockers(
  count: number,
  seed: { gatewayUrl: string; username: string; password: string } | null,
): Promise<SimulatedLocker[]> {
  const demo = demoLockers();
  if (count <= demo.length) return demo.slice(0, count);
  const generated = existsSync(GENERATED_FILE) ? await readLockersFile(GENERATED_FILE) : [];
  const missing = count - demo.length - generated.length;
  if (missing > 0) {
    if (!seed) {
      throw new Error(
        `${count} lockers need ${count - demo.length} generated ones and ${GENERATED_FILE} lists ${generated.length}: ` +
          'run once with --seed (the platform must be up) to create them',
      );
    }
    const { signIn } = await graphql<{ signIn: { accessToken: string } }>(
      seed.gatewayUrl,
      'mutation($u: String!, $p: String!) { signIn(username: $u, password: $p) { accessToken } }',
      { u: seed.username, p: seed.password },
    );
    const { hubs } = await graphql<{ hubs: { id: string; name: string }[] }>(
      seed.gatewayUrl,
      '{ hubs { id name } }',
      {},
      signIn.accessToken,
    );
    for (let i = 0; i < missing; i++) {
      const n = generated.length + 1;
      const hub = hubs[n % hubs.length]!;
      const { createLocker } = await graphql<{ createLocker: { id: string } }>(
        seed.gatewayUrl,
        'mutation($input: CreateLockerInput!) { createLocker(input: $input) { id } }',
        {
          input: {
            name: `Simulated locker ${n}`,
            hubId: hub.id,
            address: `${hub.name}, simulated site ${n}`,
            compartmentCount: GENERATED_COMPARTMENTS,
          },
        },
        signIn.accessToken,
      );
      generated.push({ id: createLocker.id, compartments: GENERATED_COMPARTMENTS });
    }
    await mkdir(path.dirname(GENERATED_FILE), { recursive: true });
    await writeFile(GENERATED_FILE, `${JSON.stringify(generated, null, 2)}\n`);
  }
  return [...demo, ...generated.slice(0, count - demo.length)];
}
