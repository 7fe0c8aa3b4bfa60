import type { EntityManager } from '@mikro-orm/core';
import { Hub } from '../entities/hub.entity.js';
import { HubLink } from '../entities/hub-link.entity.js';

/** Read side of the hub network; every signed-in role may read it. */
export class HubService {
  constructor(private readonly em: EntityManager) {}

  list(): Promise<Hub[]> {
    return this.em.find(Hub, {}, { orderBy: { seq: 'asc' } });
  }

  links(): Promise<HubLink[]> {
    return this.em.find(HubLink, {}, { orderBy: { id: 'asc' } });
  }
}
