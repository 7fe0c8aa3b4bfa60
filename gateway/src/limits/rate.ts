/**
 * Rate limits on every operation, at the gateway, in one place (docs/adr/0006-persisted-documents-and-rate-limits.md):
 * queries and mutations over HTTP are charged by rateLimitOperations (after demand control, which knows the
 * operation and its cost), subscription starts by the subscription engine (every transport), both through
 * OperationRateLimits.charge. Counters live in lib/ratelimit (Redis, shared by every replica; memory when embedded).
 *
 * Who pays: a signed-in user by user id (wherever they connect from), an anonymous client by its address (express
 * `req.ip`, honouring TRUST_PROXY). What it costs:
 * - every operation spends `1 + floor(cost / costPerPoint)` points of the general budget, `cost` being demand
 *   control's estimate. The estimate is what the operation may ask of the subgraphs (a list multiplies its children
 *   by 10), so a federated read of every hub, firm and locker (ALL_FIVE_QUERY, cost 8,530) pays 9 points where
 *   `{ me { id } }` pays 1, and the dearest operation demand control lets through (50,000) pays 51: a budget of
 *   1,200 points a minute is 1,200 small operations or 23 of the largest. Weighting by the estimate, rather than
 *   counting requests, is what stops a client from spending its whole budget on the heaviest reads;
 * - expensive root fields (EXPENSIVE_FIELDS: they command a device, or start a transaction and a chain of events)
 *   also spend one point each (aliases counted) of a separate, much smaller budget.
 *
 * When the store fails (Redis down, or slower than `storeTimeoutMs`): the general budget fails open (the operation
 * runs, a warning is logged at most every 10 s), because refusing every request to spare the store would turn a
 * Redis outage into a full one, and the subgraphs' own limits still hold; the expensive budget fails closed
 * (SERVICE_UNAVAILABLE, 503), because it guards what a budget exists for, and those mutations need Redis downstream
 * anyway (events, sessions). Authentication fails closed too, but that is the session check's and the user subgraph's
 * sign-in limits' decision (ADR 0003), not this module's. After a failure the store is not asked again for
 * `storeRetryMs`, so an outage costs requests no waiting.
 */
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Request, RequestHandler } from 'express';
import type { Viewer } from '../../../lib/auth/viewer.js';
import { DomainError, ErrorCode, toGraphQLError } from '../../../lib/errors/index.js';
import { RedisKeyValueStore, type KeyValueStore } from '../../../lib/infra/kv.js';
import type { Logger } from '../../../lib/logger/index.js';
import type { Config } from '../../../lib/config/index.js';
import { createRateLimiter, type RateLimiter, type RateLimitPolicy } from '../../../lib/ratelimit/index.js';
import { demandOf } from './http.js';

/** The budgets, as lib/config reads and validates them. */
export type RateLimitSettings = Config['rateLimits'];

/**
 * Root fields that cost more than their demand-control estimate says, by operation type. Sign-in, sign-up and token
 * refresh are left out: the user subgraph limits them per address and per username, with lockouts (ADR 0003).
 */
export const EXPENSIVE_FIELDS: Readonly<Record<OperationTypeNode, readonly string[]>> = {
  query: [],
  mutation: [
    // A transaction that locks stock, then a chain of events: route, delivery, compartment reservation.
    'createOrder',
    // Compensations along the same chain.
    'cancelOrder',
    // A command to a physical locker over MQTT, waiting up to LOCKER_COMMAND_TIMEOUT_MS for its acknowledgement.
    'openCompartment',
    'staffOpenCompartment',
  ],
  subscription: [],
};

export interface ChargeRequest {
  /** Undefined when the token could not be verified: the client pays by address (and Apollo refuses the token). */
  viewer: Viewer | undefined;
  clientAddress: string | null;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Demand control's estimate; absent counts as 0. */
  cost?: number;
}

export interface OperationRateLimitsOptions {
  limiter: RateLimiter;
  settings: RateLimitSettings;
  logger: Logger;
  /** How long the store may take before it counts as failed. @default 300 ms */
  storeTimeoutMs?: number;
  /** After a store failure, how long it is not asked again (each budget fails open or closed at once). @default 5000 ms */
  storeRetryMs?: number;
}

type FailMode = 'open' | 'closed';

export class OperationRateLimits {
  private readonly user: RateLimitPolicy;
  private readonly address: RateLimitPolicy;
  private readonly expensive: RateLimitPolicy;
  private storeDownUntil = 0;
  private lastWarning = 0;

  constructor(private readonly options: OperationRateLimitsOptions) {
    const { windowSeconds: durationSeconds, userPoints, addressPoints, expensivePoints } = options.settings;
    this.user = {
      name: 'gw-ops-user',
      points: userPoints,
      durationSeconds,
      message: 'Too many operations from this user',
    };
    this.address = {
      name: 'gw-ops-address',
      points: addressPoints,
      durationSeconds,
      message: 'Too many operations from this address; signed-in users have their own budget',
    };
    this.expensive = {
      name: 'gw-ops-expensive',
      points: expensivePoints,
      durationSeconds,
      message: `Too many calls of ${EXPENSIVE_FIELDS.mutation.join(', ')}`,
    };
  }

  /** The general budget's price of an operation of estimated `cost`. */
  points(cost = 0): number {
    return 1 + Math.floor(Math.max(0, cost) / this.options.settings.costPerPoint);
  }

  /**
   * Spends what `request` costs; resolves to the refusal (RATE_LIMITED with `retryAfterSeconds` and HTTP 429, or
   * SERVICE_UNAVAILABLE 503 when a fail-closed budget cannot be checked), or undefined when it may run.
   */
  async charge(request: ChargeRequest): Promise<GraphQLError | undefined> {
    if (!this.options.settings.enabled) return undefined;
    const { viewer, clientAddress } = request;
    const signedIn = viewer?.kind === 'user';
    const key = signedIn ? `user:${viewer.userId}` : `address:${clientAddress ?? 'unknown'}`;
    const general = signedIn ? this.user : this.address;
    // Capped at the whole budget: an operation dearer than that runs once on a fresh budget and spends all of it
    // (the store counts refused points too, so an uncapped one would lock the key out for the window).
    const refused = await this.spend(general, key, Math.min(this.points(request.cost), general.points), 'open');
    if (refused) return refused;
    const calls = expensiveCalls(request.document, request.operation);
    return calls ? this.spend(this.expensive, key, calls, 'closed') : undefined;
  }

  private async spend(policy: RateLimitPolicy, key: string, points: number, fail: FailMode) {
    if (Date.now() < this.storeDownUntil) return this.storeDown(policy, fail);
    const { storeTimeoutMs = 300, storeRetryMs = 5000 } = this.options;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.limiter.consume(policy, key, points),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`rate-limit store gave no answer in ${storeTimeoutMs} ms`)),
            storeTimeoutMs,
          );
        }),
      ]);
      return undefined;
    } catch (err) {
      if (err instanceof DomainError && err.code === ErrorCode.RATE_LIMITED) return toGraphQLError(err);
      this.storeDownUntil = Date.now() + storeRetryMs;
      return this.storeDown(policy, fail, err);
    } finally {
      clearTimeout(timer);
    }
  }

  private storeDown(policy: RateLimitPolicy, fail: FailMode, err?: unknown) {
    const now = Date.now();
    if (err !== undefined || now - this.lastWarning > 10_000) {
      this.lastWarning = now;
      this.options.logger.warn(
        { err, policy: policy.name, failing: fail },
        fail === 'open'
          ? 'rate limits cannot be checked (store down); operations run unlimited meanwhile'
          : 'rate limits cannot be checked (store down); expensive operations are refused meanwhile',
      );
    }
    if (fail === 'open') return undefined;
    const retryAfterSeconds = Math.max(1, Math.ceil((this.options.storeRetryMs ?? 5000) / 1000));
    return new GraphQLError('This operation cannot be rate-limited right now, so it is refused; try again shortly', {
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryAfterSeconds, http: { status: 503 } },
    });
  }
}

/** A rate limiter counting where `kv` keeps its keys: Redis (shared by every replica), or this process's memory. */
export function rateLimiterOver(kv: KeyValueStore, prefix: string): RateLimiter {
  return createRateLimiter(
    kv instanceof RedisKeyValueStore ? { kind: 'redis', client: kv.client, prefix } : { kind: 'memory' },
  );
}

/** Calls of EXPENSIVE_FIELDS at the root of `operation` (through fragments; each alias counts). */
export function expensiveCalls(document: DocumentNode, operation: OperationDefinitionNode): number {
  const expensive = EXPENSIVE_FIELDS[operation.operation];
  if (!expensive.length) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const count = (set: SelectionSetNode): number => {
    let calls = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) calls += expensive.includes(selection.name.value) ? 1 : 0;
      else if (selection.kind === Kind.INLINE_FRAGMENT) calls += count(selection.selectionSet);
      else {
        const fragment = fragments.get(selection.name.value);
        // A fragment spread twice at the root selects its fields once (field merging); cycles end here too.
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          calls += count(fragment.selectionSet);
        }
      }
    }
    return calls;
  };
  return count(operation.selectionSet);
}

export interface RateLimitOperationsOptions {
  limits: OperationRateLimits;
  /** The request's viewer (its token checked as for the operation); rejects or undefined: charged by address. */
  viewerOf(req: Request): Promise<Viewer | undefined>;
}

/**
 * Charges each query and mutation that demand control let through (mount right after it). Subscriptions are charged
 * by the subscription engine, which every subscription transport goes through. A refusal is answered at once:
 * RATE_LIMITED with HTTP 429 and `Retry-After`.
 */
export function rateLimitOperations({ limits, viewerOf }: RateLimitOperationsOptions): RequestHandler {
  return (req, res, next) => {
    const measured = demandOf(req);
    if (!measured || measured.operation.operation === OperationTypeNode.SUBSCRIPTION) return next();
    viewerOf(req)
      .catch(() => undefined)
      .then((viewer) => limits.charge({ viewer, clientAddress: req.ip ?? null, ...measured }))
      .then((refused) => {
        if (!refused) return next();
        const { http, ...extensions } = refused.extensions as { http?: { status?: number } } & Record<string, unknown>;
        const retryAfter = Number(extensions.retryAfterSeconds);
        if (retryAfter > 0) res.setHeader('retry-after', String(retryAfter));
        res.setHeader('cache-control', 'no-store');
        res.status(http?.status ?? 429).json({ errors: [{ message: refused.message, extensions }] });
      })
      .catch(next);
  };
}
