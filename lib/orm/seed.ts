import { readFileSync } from 'node:fs';
import type { EntityManager, EntityName, RequiredEntityData } from '@mikro-orm/core';
import { whereIdIn } from './loaders.js';

/** The repository's data/ folder: the hub network and the demo fixtures the seeders read. */
const DATA_DIR = new URL('../../data/', import.meta.url);

/**
 * Reads a JSON file below data/ (e.g. `hubs.json`, `demo/firms.json`). Seed data is data, not code:
 * the rows live in those files, so each subgraph's seeder and the tests read the same fixed ids.
 */
export function readDataFile<T>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(relativePath, DATA_DIR), 'utf8')) as T;
}

/**
 * Inserts the rows whose id is not in the table yet, so seeding can run on every start and after a
 * partial failure without duplicating anything. `build` runs only for missing rows (it may be costly,
 * like hashing a password).
 */
export async function insertMissing<T extends { id: string }, R extends { id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  rows: readonly R[],
  build: (row: R) => RequiredEntityData<T> | Promise<RequiredEntityData<T>>,
): Promise<number> {
  const found = await em.find(entity, whereIdIn<T>(rows.map((r) => r.id)));
  const existing = new Set(found.map((e) => e.id));
  const missing = rows.filter((r) => !existing.has(r.id));
  for (const data of await Promise.all(missing.map(build))) em.create(entity, data);
  await em.flush();
  return missing.length;
}
