/**
 * Orders as people place, cancel and read them (docs/domain.md §4–§7).
 *
 * createOrder, in this order: check the input and the caller's role; replay an earlier request with the same key
 * (same payload → its order; other payload → IDEMPOTENCY_KEY_REUSED); validate product, firms and locker; then one
 * transaction inserts the idempotency key, the order and its `order.created` outbox row, and reserves the stock with
 * a conditional update whose affected-row count decides. Nothing holds a lock across a round trip to the client or
 * to another subgraph. Two requests racing with one key meet at the key's unique index: the second waits for the
 * first's commit, fails on the duplicate and replays the winner's order (never a second order, never a 500).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeadlockException,
  IsolationLevel,
  LockMode,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
  type EntityManager,
  type ObjectQuery,
} from '@mikro-orm/core';
import type { Viewer } from '../../../../lib/auth/viewer.js';
import type { EventRecorder } from '../../../../lib/events/outbox.js';
import { DomainError, ErrorCode, badInput, forbidden, notFound } from '../../../../lib/errors/index.js';
import { uuidv7 } from '../../../../lib/orm/columns.js';
import type { OrderDestination, OrderEvents } from '../domain/events.js';
import { assertMayCancel, assertMayCreate, inScope, readScope, type OrderScope } from '../domain/order-access.js';
import {
  IDEMPOTENCY_KEY_RETENTION_MS,
  keyFingerprint,
  normalizeOrderRequest,
  requestFingerprint,
  type CreateOrderInput,
  type OrderRequest,
} from '../domain/order-request.js';
import type { OrderStatus } from '../domain/order-status.js';
import { decodeCursor, encodeCursor, pageSize } from '../domain/pagination.js';
import { Firm } from '../entities/firm.entity.js';
import { IdempotencyKey } from '../entities/idempotency-key.entity.js';
import { Order } from '../entities/order.entity.js';
import { Product } from '../entities/product.entity.js';
import { idempotencyKeyTurns, type KeyTurns } from './key-turns.js';
import type { LockerDirectory } from './locker-directory.js';
import { cancelLockedOrder, orderOutbox, reserveStock } from './order-changes.js';

export interface OrderServiceDeps {
  em: EntityManager;
  lockers: LockerDirectory;
  /** @default the order subgraph's outbox */
  outbox?: EventRecorder<OrderEvents>;
  /**
   * Run createOrder's transaction READ COMMITTED (MySQL/MariaDB): a stock update whose row no longer matches (too few
   * left) then neither waits for nor keeps the product row's lock (InnoDB's semi-consistent read), so the orders
   * that lose a burst do not queue behind the ones that win (the 250-on-50 burst's p99 about halves). Nothing in that
   * transaction reads a snapshot, and the key's uniqueness is checked by its index at any level. Off for SQLite,
   * which has one level and warns at every other.
   * @default false
   */
  readCommitted?: boolean;
  /** @default the process's one {@link idempotencyKeyTurns} */
  turns?: KeyTurns;
}

export interface OrderPage {
  nodes: Order[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** A validated order, ready to be written. */
interface OrderPlan {
  product: Product;
  supplier: Firm;
  receiverFirmId: string | null;
  receiverHubId: string;
  destination: OrderDestination;
}

/** Who sent an idempotency key, the key's fingerprint and the request's. */
interface IdempotencyRef {
  userId: string;
  keyHash: string;
  requestHash: string;
}

/**
 * How many times a transaction that lost a deadlock (or a lock wait) is tried in all. Requests racing with one key
 * deadlock by design in InnoDB: when the key's first holder rolls back (OUT_OF_STOCK), every request waiting on the
 * duplicate holds a shared lock and wants an exclusive one, and all but one are chosen as victims. Within one process
 * KeyTurns keeps same-key requests apart; across processes a burst of 30 on one key saw three attempts run out, so
 * each retry waits a random, growing moment and the victims do not meet again.
 */
const ATTEMPTS = 8;
const backoffMs = (attempt: number) => Math.random() * Math.min(200, 5 * 2 ** attempt);

const outOfStock = (product: Pick<Product, 'id' | 'name'>, available: number, requested: number) =>
  new DomainError(
    ErrorCode.OUT_OF_STOCK,
    `Only ${available} of ${product.name} left, ${requested} requested; nothing was reserved`,
    { productId: product.id, available, requested },
  );

export class OrderService {
  private readonly outbox: EventRecorder<OrderEvents>;
  private readonly placeOptions: { isolationLevel?: IsolationLevel };

  constructor(private readonly deps: OrderServiceDeps) {
    this.outbox = deps.outbox ?? orderOutbox;
    this.placeOptions = deps.readCommitted ? { isolationLevel: IsolationLevel.READ_COMMITTED } : {};
  }

  private get em(): EntityManager {
    return this.deps.em;
  }

  async create(viewer: Viewer, input: CreateOrderInput): Promise<Order> {
    const request = normalizeOrderRequest(input);
    const d = request.destination;
    const { user, forFirmId } = assertMayCreate(viewer, d.kind === 'FIRM' ? d.firmId : null);
    const key = {
      userId: user.userId,
      keyHash: keyFingerprint(request.idempotencyKey),
      requestHash: requestFingerprint(request),
    };
    const turns = this.deps.turns ?? idempotencyKeyTurns;
    return turns.run(`${key.userId}:${key.keyHash}`, () => this.createInTurn(request, forFirmId, key));
  }

  /** createOrder once its key's turn has come: replay, validate, place (retrying a lost lock race). */
  private async createInTurn(request: OrderRequest, forFirmId: string | null, key: IdempotencyRef): Promise<Order> {
    const earlier = await this.replay(key);
    if (earlier) return earlier;
    const plan = await this.plan(request, forFirmId);
    // A hint only (the conditional update decides), but it spares a doomed order its transaction.
    if (plan.product.stock < request.quantity) throw outOfStock(plan.product, plan.product.stock, request.quantity);

    for (let attempt = 1; ; attempt++) {
      try {
        return await this.place(request, plan, key);
      } catch (err) {
        const lostLockRace = err instanceof DeadlockException || err instanceof LockWaitTimeoutException;
        if (err instanceof UniqueConstraintViolationException || lostLockRace) {
          // Another request with this key may have committed meanwhile: answer as it was answered.
          const winner = await this.replay(key);
          if (winner) return winner;
        }
        if (!lostLockRace) throw err;
        if (attempt >= ATTEMPTS) {
          // Safe to retry: the same key replays whatever a later attempt commits.
          throw new DomainError(ErrorCode.SERVICE_UNAVAILABLE, 'Too many orders at once; retry with the same key');
        }
        await sleep(backoffMs(attempt));
      }
    }
  }

  /** One order by id, or null when it does not exist or is outside the caller's scope. */
  async get(viewer: Viewer, id: string, load: (id: string) => Promise<Order | null>): Promise<Order | null> {
    const scope = readScope(viewer);
    const order = await load(id);
    return order && inScope(scope, order) ? order : null;
  }

  /** A page of the orders in the caller's scope, newest first (domain/pagination.ts). */
  async list(
    viewer: Viewer,
    args: { first?: number | null; after?: string | null; status?: OrderStatus | null },
  ): Promise<OrderPage> {
    const size = pageSize(args.first);
    const where: ObjectQuery<Order> = scopeFilter(readScope(viewer));
    if (args.after) where.id = { $lt: decodeCursor(args.after) };
    if (args.status) where.status = args.status;
    const rows = await this.em.find(Order, where, { orderBy: { id: 'desc' }, limit: size + 1 });
    const nodes = rows.slice(0, size);
    return {
      nodes,
      endCursor: nodes.length ? encodeCursor(nodes[nodes.length - 1]!.id) : null,
      hasNextPage: rows.length > size,
    };
  }

  /**
   * Cancels an order before it is in transit: its stock comes back and `order.cancelled` is recorded, in one
   * transaction with the order row locked, so concurrent cancels and delivery events apply one after the other.
   * Cancelling a cancelled order returns it unchanged (whoever cancelled it, for whatever reason).
   */
  async cancel(viewer: Viewer, id: string): Promise<Order> {
    const scope = readScope(viewer);
    return this.em.transactional(async (em) => {
      const order = await em.findOne(Order, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!order || !inScope(scope, order)) throw notFound('Order', id);
      const user = assertMayCancel(viewer, order);
      if (order.status !== 'CANCELLED') {
        await cancelLockedOrder(em, order, { reason: 'USER', cancelledBy: user.userId }, this.outbox);
      }
      return order;
    });
  }

  /**
   * The order an earlier request with this key created, if the key is still kept; IDEMPOTENCY_KEY_REUSED when that
   * request asked for something else. An expired key is deleted here, so it can serve a new order.
   */
  private async replay(key: IdempotencyRef): Promise<Order | null> {
    const found = await this.em.findOne(
      IdempotencyKey,
      { userId: key.userId, keyHash: key.keyHash },
      { disableIdentityMap: true },
    );
    if (!found) return null;
    if (found.expiresAt.getTime() <= Date.now()) {
      await this.em.nativeDelete(IdempotencyKey, { id: found.id, expiresAt: { $lte: new Date() } });
      return null;
    }
    if (found.requestHash !== key.requestHash) {
      throw new DomainError(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        'This idempotency key was used for a different order; use a new key for a new order',
      );
    }
    const order = await this.em.findOne(Order, { id: found.orderId });
    if (!order) throw new Error(`Idempotency key ${found.id} names a missing order ${found.orderId}`);
    return order;
  }

  /** Checks what the order names (product, firms, locker) and works out its parties and destination. */
  private async plan(request: OrderRequest, forFirmId: string | null): Promise<OrderPlan> {
    // Read apart from the request's identity map: the product's stock changes under it, and the answer's
    // `product { stock }` must be read after the reservation.
    const em = this.em.fork();
    const product = await em.findOne(Product, { id: request.productId });
    if (!product) throw badInput(`No product has the id ${request.productId}`, 'productId');
    const firmIds = [product.firmId, ...(forFirmId ? [forFirmId] : [])];
    const firms = new Map((await em.find(Firm, { id: { $in: firmIds } })).map((f) => [f.id, f]));
    const supplier = firms.get(product.firmId);
    if (supplier?.type !== 'SUPPLIER') throw badInput('The product is not sold by a supplier firm', 'productId');

    const receiver = forFirmId ? firms.get(forFirmId) : undefined;
    const d = request.destination;
    if (d.kind === 'FIRM') {
      if (!receiver) throw badInput(`No firm has the id ${d.firmId}`, 'receiverFirmId');
      if (receiver.type !== 'RECEIVER') throw badInput(`${receiver.name} is not a receiver firm`, 'receiverFirmId');
      return {
        product,
        supplier,
        receiverFirmId: receiver.id,
        receiverHubId: receiver.hubId,
        destination: { kind: 'FIRM', firmId: receiver.id, name: receiver.name, address: receiver.address },
      };
    }
    // A locker order placed by a firm manager is for its own firm, which must be a receiver.
    if (forFirmId && receiver?.type !== 'RECEIVER') throw forbidden('Only a receiver firm orders goods');
    const lockerHubId = await this.deps.lockers.hubOf(d.lockerId);
    if (!lockerHubId) throw badInput(`No locker has the id ${d.lockerId}`, 'lockerId');
    return {
      product,
      supplier,
      receiverFirmId: forFirmId,
      receiverHubId: lockerHubId,
      destination: { kind: 'LOCKER', lockerId: d.lockerId },
    };
  }

  /** The transaction: key, order and outbox rows first, then the stock (see order-changes.ts). */
  private async place(request: OrderRequest, plan: OrderPlan, key: IdempotencyRef): Promise<Order> {
    const { product } = plan;
    try {
      return await this.em.transactional(async (em) => {
        const now = new Date();
        const orderId = uuidv7();
        // The key first: a request racing with the same key waits here, on the unique index, for this
        // transaction to end; then it fails on the duplicate (and replays) or, after a rollback, goes on.
        // Native inserts: nothing here changes later in the request, so the unit of work has nothing to track.
        await em.insert(IdempotencyKey, {
          id: uuidv7(),
          ...key,
          orderId,
          createdAt: now,
          expiresAt: new Date(now.getTime() + IDEMPOTENCY_KEY_RETENTION_MS),
        });
        const order = em.create(
          Order,
          {
            id: orderId,
            productId: product.id,
            productName: product.name,
            unitPrice: product.price,
            quantity: request.quantity,
            supplierFirmId: plan.supplier.id,
            supplierHubId: plan.supplier.hubId,
            receiverFirmId: plan.receiverFirmId,
            lockerId: plan.destination.kind === 'LOCKER' ? plan.destination.lockerId : null,
            receiverHubId: plan.receiverHubId,
            requestNote: request.requestNote,
            status: 'CREATED',
            cancelReason: null,
            cancelledBy: null,
            cancelledAt: null,
            createdBy: key.userId,
            createdAt: now,
            updatedAt: now,
          },
          { persist: false },
        );
        await em.insert(order);
        this.outbox.record(em, 'order.created', order.id, {
          orderId: order.id,
          productId: product.id,
          productName: product.name,
          quantity: order.quantity,
          supplierFirmId: order.supplierFirmId,
          supplierHubId: order.supplierHubId,
          receiverHubId: order.receiverHubId,
          destination: plan.destination,
          requestNote: order.requestNote ?? null,
          createdBy: order.createdBy,
          createdAt: now.toISOString(),
        });
        await em.flush();
        if (!(await reserveStock(em, product.id, request.quantity))) throw new StockShort();
        return order;
      }, this.placeOptions);
    } catch (err) {
      if (!(err instanceof StockShort)) throw err;
      // Rolled back: say what is left now (another order may have taken the rest a moment ago).
      const left = await this.em.fork().findOne(Product, { id: product.id }, { fields: ['stock'] });
      throw outOfStock(product, left?.stock ?? 0, request.quantity);
    }
  }
}

/** Thrown inside the transaction to roll it back when the conditional update took nothing. */
class StockShort extends Error {}

function scopeFilter(scope: OrderScope): ObjectQuery<Order> {
  switch (scope.kind) {
    case 'ALL':
      return {};
    case 'HUB':
      return { $or: [{ supplierHubId: scope.hubId }, { receiverHubId: scope.hubId }] };
    case 'FIRM':
      return { $or: [{ supplierFirmId: scope.firmId }, { receiverFirmId: scope.firmId }] };
  }
}
