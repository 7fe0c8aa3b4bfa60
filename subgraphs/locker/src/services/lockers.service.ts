import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { requireRole, type Viewer } from '../../../../lib/auth/viewer.js';
import { badInput, notFound } from '../../../../lib/errors/index.js';
import type { EventRecorder } from '../../../../lib/events/outbox.js';
import { uuidv7 } from '../../../../lib/orm/columns.js';
import type { LockerEvents } from '../domain/events.js';
import { Compartment } from '../entities/compartment.entity.js';
import { Locker } from '../entities/locker.entity.js';

/** Compartments a locker may have. */
export const MAX_COMPARTMENTS = 64;

export interface CreateLockerInput {
  name: string;
  hubId: string;
  address: string;
  compartmentCount: number;
}

export interface LockerServiceDeps {
  outbox: EventRecorder<LockerEvents>;
  /** Hub ids that exist, asked of the hub subgraph (its owner); SERVICE_UNAVAILABLE when it cannot answer. */
  existingHubIds(ids: readonly string[]): Promise<Set<string>>;
  /** Tells this process's locker directory about a new locker (device reports are checked against it). */
  created(locker: Locker, indexes: number[]): void;
}

export class LockerService {
  constructor(
    private readonly em: EntityManager,
    private readonly deps?: LockerServiceDeps,
  ) {}

  /** Every signed-in role may list lockers, optionally those of one hub. */
  list(hubId?: string | null): Promise<Locker[]> {
    const where: FilterQuery<Locker> = hubId ? { hubId } : {};
    return this.em.find(Locker, where, { orderBy: { name: 'asc' } });
  }

  /** A locker a signed-in viewer may watch (every signed-in role may read lockers); NOT_FOUND otherwise. */
  async watchable(lockerId: string): Promise<void> {
    if (!(await this.em.count(Locker, { id: lockerId }))) throw notFound('Locker', lockerId);
  }

  /** MASTER: a locker with compartments 1…n, offline until its device connects; `locker.created` announces it. */
  async create(viewer: Viewer, input: CreateLockerInput): Promise<Locker> {
    requireRole(viewer, 'MASTER');
    const deps = this.deps!;
    const name = input.name.trim();
    const address = input.address.trim();
    if (!name || name.length > 60) throw badInput('name must be 1–60 characters', 'name');
    if (!address || address.length > 200) throw badInput('address must be 1–200 characters', 'address');
    const count = input.compartmentCount;
    if (!Number.isInteger(count) || count < 1 || count > MAX_COMPARTMENTS) {
      throw badInput(`compartmentCount must be 1–${MAX_COMPARTMENTS}`, 'compartmentCount');
    }
    if (!(await deps.existingHubIds([input.hubId])).has(input.hubId)) {
      throw badInput(`No hub has the id ${input.hubId}`, 'hubId');
    }
    const indexes = Array.from({ length: count }, (_, i) => i + 1);
    const locker = await this.em.transactional(async (em) => {
      const locker = em.create(Locker, {
        id: uuidv7(),
        hubId: input.hubId,
        name,
        address,
        online: false,
        revision: 0,
        createdAt: new Date(),
      });
      for (const index of indexes) {
        em.create(Compartment, { lockerId: locker.id, index, doorOpen: false, occupied: false, reserved: false });
      }
      deps.outbox.record(em, 'locker.created', locker.id, {
        lockerId: locker.id,
        hubId: locker.hubId,
        name,
        address,
        compartmentCount: count,
      });
      return locker;
    });
    deps.created(locker, indexes);
    return locker;
  }
}
