/**
 * The hub network (hubs and links) as routes read it. It changes rarely (data/hubs.json; no mutation changes it
 * today), so routes (the `route` query, and each order's route on `order.created`) read it from a per-process
 * snapshot instead of two SQL statements and ~50 hydrated entities each: a warm route then costs one Redis round trip
 * (the link ETAs) and no SQL.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Hub } from '../entities/hub.entity.js';
import { HubLink } from '../entities/hub-link.entity.js';

export interface HubNetwork {
  hubs: ReadonlyMap<string, Hub>;
  /** In id order, so that equal-weight parallel links resolve the same way every time. */
  links: readonly HubLink[];
}

/** Reads the network through `em` (inside the caller's transaction, if any). */
export async function readHubNetwork(em: EntityManager): Promise<HubNetwork> {
  const hubs = await em.find(Hub, {});
  const links = await em.find(HubLink, {}, { orderBy: { id: 'asc' } });
  return { hubs: new Map(hubs.map((h) => [h.id, h])), links };
}

export interface HubNetworkCacheOptions {
  /** Milliseconds a snapshot is used before it is read again. @default 10000 */
  ttlMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * A snapshot of the network, read again after `ttlMs`, or at once when asked about a hub it does not hold (a hub
 * created since is then found without waiting). One read at a time: concurrent callers share it.
 */
export class HubNetworkCache {
  private snapshot: { network: HubNetwork; readAt: number } | null = null;
  private reading: Promise<HubNetwork> | null = null;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: HubNetworkCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The network, knowing every hub of `hubIds` if the database does. */
  async get(em: EntityManager, hubIds: readonly string[] = []): Promise<HubNetwork> {
    const current = this.snapshot;
    if (current && this.now() - current.readAt < this.ttlMs && hubIds.every((id) => current.network.hubs.has(id))) {
      return current.network;
    }
    this.reading ??= this.read(em).finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(em: EntityManager): Promise<HubNetwork> {
    const readAt = this.now();
    // A fork of its own: the snapshot outlives the request whose EntityManager happened to trigger the read.
    const network = await readHubNetwork(em.fork());
    this.snapshot = { network, readAt };
    return network;
  }
}
