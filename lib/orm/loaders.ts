/**
 * Per-request DataLoaders over a forked EntityManager. subgraph-js resolves each entity
 * representation separately, so without these one gateway fetch would cost one SQL statement per
 * entity; with them it costs one per entity type, however many entities are asked for.
 */
import DataLoader from 'dataloader';
import type { EntityManager, EntityName, FilterQuery, QueryOrderMap } from '@mikro-orm/core';

/** `{ id: { $in: ids } }`, typed for any entity keyed by a string id. */
export const whereIdIn = <T extends { id: string }>(ids: readonly string[]) =>
  ({ id: { $in: [...ids] } }) as unknown as FilterQuery<T>;

/** Loads entities by primary key `id`; missing ids resolve to null. */
export function byIdLoader<T extends { id: string }>(em: EntityManager, entity: EntityName<T>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = await em.find(entity, whereIdIn<T>(ids));
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Loads every entity whose `field` equals each key, in `orderBy` order. */
export function groupLoader<T extends object, K extends keyof T & string>(
  em: EntityManager,
  entity: EntityName<T>,
  field: K,
  orderBy?: QueryOrderMap<T>,
) {
  return new DataLoader<string, T[]>(async (keys) => {
    const rows = await em.find(entity, { [field]: { $in: [...keys] } } as unknown as FilterQuery<T>, {
      ...(orderBy ? { orderBy } : {}),
    });
    const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const row of rows) groups.get(String(row[field]))?.push(row);
    return keys.map((k) => groups.get(k) ?? []);
  });
}

/** Loads at most one entity per key of a unique-ish `field` (e.g. DeliveryManager by userId). */
export function oneByFieldLoader<T extends object, K extends keyof T & string>(
  em: EntityManager,
  entity: EntityName<T>,
  field: K,
) {
  const groups = groupLoader(em, entity, field);
  return new DataLoader<string, T | null>(async (keys) =>
    (await groups.loadMany(keys)).map((g) => (g instanceof Error ? g : (g[0] ?? null))),
  );
}
