/**
 * Federation between subgraphs: references to entities another subgraph owns, and asking that owner about
 * them. A subgraph never reads another's database; when it must know that an id exists (a hub named in a
 * role approval, say), it asks the owner through the owner's own `_entities` field, with a passport, exactly
 * as the gateway would.
 */
import { signPassport, PASSPORT_HEADER } from '../auth/tokens.js';
import { ANONYMOUS } from '../auth/viewer.js';
import { DomainError, ErrorCode } from '../errors/index.js';
import type { SubgraphName } from '../topology/index.js';

/** A reference to an entity another subgraph owns: the gateway fetches the rest from the owner. */
export interface EntityRef {
  id: string;
}

export const ref = (id: string): EntityRef => ({ id });

/** Where the other subgraphs of this deployment answer (their /graphql URLs). */
export interface PeerDirectory {
  url(name: SubgraphName): string;
}

export interface EntityLookupOptions {
  peers: PeerDirectory;
  passport: { secret: string; ttlSeconds: number };
  /** @default 3000 ms: a lookup is part of a user's request. */
  timeoutMs?: number;
}

/**
 * Returns which of `ids` exist as `typename` in subgraph `owner`. An unreachable or failing owner is
 * SERVICE_UNAVAILABLE: the caller cannot tell "missing" from "unknown", so it must not guess.
 */
export async function existingEntityIds(
  options: EntityLookupOptions,
  owner: SubgraphName,
  typename: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const passport = await signPassport(ANONYMOUS, owner, options.passport);
  const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { id } } }`;
  try {
    const res = await fetch(options.peers.url(owner), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PASSPORT_HEADER]: passport },
      body: JSON.stringify({ query, variables: { r: ids.map((id) => ({ __typename: typename, id })) } }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
    const body = (await res.json()) as { data?: { _entities?: ({ id?: string } | null)[] }; errors?: unknown[] };
    if (!res.ok || body.errors?.length || !body.data?._entities) throw new Error(`HTTP ${res.status}`);
    return new Set(body.data._entities.flatMap((e) => (e?.id ? [e.id] : [])));
  } catch (err) {
    throw new DomainError(
      ErrorCode.SERVICE_UNAVAILABLE,
      `The ${owner} subgraph could not be asked about ${typename} ids`,
      {
        cause: err instanceof Error ? err.message : String(err),
      },
    );
  }
}

/**
 * Fetches fields of entities another subgraph owns, through that owner's `_entities`: `selection` is asked of each
 * of `ids` as `typename` (`id` is always included), e.g. `fetchEntities(options, 'locker', 'Locker', [id],
 * 'hub { id }')` for a locker's hub. Returns the entities found, by id; an id the owner does not know is absent
 * from the map. The shape `T` is what `selection` asks for: the owner's schema guarantees it, nothing here checks
 * it. An unreachable or failing owner is SERVICE_UNAVAILABLE, as for existingEntityIds.
 */
export async function fetchEntities<T extends EntityRef>(
  options: EntityLookupOptions,
  owner: SubgraphName,
  typename: string,
  ids: readonly string[],
  selection: string,
): Promise<Map<string, T>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const passport = await signPassport(ANONYMOUS, owner, options.passport);
  const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { id ${selection} } } }`;
  try {
    const res = await fetch(options.peers.url(owner), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PASSPORT_HEADER]: passport },
      body: JSON.stringify({ query, variables: { r: unique.map((id) => ({ __typename: typename, id })) } }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
    const body = (await res.json()) as { data?: { _entities?: (T | null)[] }; errors?: unknown[] };
    if (!res.ok || body.errors?.length || !body.data?._entities) throw new Error(`HTTP ${res.status}`);
    return new Map(body.data._entities.flatMap((e) => (e?.id ? [[e.id, e] as const] : [])));
  } catch (err) {
    // The cause (a network error, a status) is for logs: clients see only that the owner could not answer.
    const message = `The ${owner} subgraph could not be asked about ${typename}s`;
    throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE, message, undefined, { cause: err });
  }
}
