/**
 * The pieces of the hub subgraph that outlive a request, built once per process's dependencies: the ETA pricing
 * (cache, circuit breaker and daily quota hold state that every request and event must share), the snapshot of the
 * hub network and the outbox.
 *
 * Event handlers receive only the event and the consumer's EntityManager (lib/events `EventHandler`), so the module
 * is also found from an EntityManager: every fork of one MikroORM shares its `config`, which keys the lookup.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Outbox } from '../../../lib/events/outbox.js';
import type { Logger } from '../../../lib/logger/index.js';
import type { SubgraphDeps } from '../../../lib/subgraph/index.js';
import type { HubEvents } from './domain/events.js';
import { createEtaPricing, type EtaPricing } from './routing/pricing.js';
import { HubNetworkCache } from './services/hub-network.js';

export interface HubModule {
  pricing: EtaPricing;
  /** Hubs and links for the `route` query (event handlers read them in their own transaction instead). */
  network: HubNetworkCache;
  outbox: Outbox<HubEvents>;
  logger: Logger;
}

const byDeps = new WeakMap<SubgraphDeps, HubModule>();
const byOrm = new WeakMap<object, HubModule>();

/** The hub module of these dependencies, built on first use. */
export function hubModule(deps: SubgraphDeps): HubModule {
  let module = byDeps.get(deps);
  if (!module) {
    const logger = deps.logger.child({ subgraph: 'hub' });
    module = {
      pricing: createEtaPricing(deps.config.eta, deps.infra.kv, logger, {
        cache: { onLookup: deps.metrics && ((result, links) => deps.metrics!.etaCacheLookups.inc({ result }, links)) },
      }),
      network: new HubNetworkCache(),
      outbox: new Outbox<HubEvents>('hub'),
      logger,
    };
    byDeps.set(deps, module);
    byOrm.set(deps.db.orm.config, module);
  }
  return module;
}

/**
 * The hub module of the process whose database `em` belongs to. It exists once the subgraph has started (its
 * `eta-pricing` background task builds it).
 * @throws Error when no hub subgraph was started on that database.
 */
export function hubModuleOf(em: EntityManager): HubModule {
  const module = byOrm.get(em.config);
  if (!module) throw new Error('The hub subgraph has not started on this database: no ETA pricing for its events');
  return module;
}
