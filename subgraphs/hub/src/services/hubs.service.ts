import type { EntityManager } from '@mikro-orm/core';
import { requireViewer, type Viewer } from '../../../../lib/auth/viewer.js';
import { Hub } from '../entities/hub.entity.js';
import { HubLink } from '../entities/hub-link.entity.js';

/** Read side of the hub network; every signed-in role may read it. */
export class HubQueries {
  constructor(private readonly em: EntityManager) {}

  list(viewer: Viewer): Promise<Hub[]> {
    requireViewer(viewer);
    return this.em.find(Hub, {}, { orderBy: { seq: 'asc' } });
  }

  links(viewer: Viewer): Promise<HubLink[]> {
    requireViewer(viewer);
    return this.em.find(HubLink, {}, { orderBy: { id: 'asc' } });
  }
}
