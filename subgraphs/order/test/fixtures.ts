/** What the order subgraph's tests share: demo ids, viewers, operations, and reading what a test wrote. */
import type { MikroORM } from '@mikro-orm/core';
import type { AuthenticatedViewer, Role } from '../../../lib/auth/viewer.js';
import { OutboxEvent } from '../../../lib/events/outbox.js';
import { uuidv7 } from '../../../lib/orm/columns.js';
import { Product } from '../src/entities/product.entity.js';

/** Ids of data/demo/*.json and data/hubs.json. */
export const DEMO = {
  hanbitFoods: '0190f000-0000-7000-8000-000200000001',
  seoulOffice: '0190f000-0000-7000-8000-000200000004',
  gwangjuRetail: '0190f000-0000-7000-8000-000200000005',
  kimchi: '0190f000-0000-7000-8000-000300000001',
  seoulHub: '018f3d6c-9a10-7c11-b2a1-e3b893f00101',
  gyeonggiSouthHub: '018f3d6c-9a12-7c13-b2a1-e3b893f00103',
  busanHub: '018f3d6c-9a13-7c14-b2a1-e3b893f00104',
  gwangjuHub: '018f3d6c-9a16-7c17-b2a1-e3b893f00107',
  songpaLocker: '0190f000-0000-7000-8000-000500000001',
  receiverManagerId: '0190f000-0000-7000-8000-000100000006',
  firmManagerId: '0190f000-0000-7000-8000-000100000004',
} as const;

export const viewer = (
  role: Role,
  scope: { userId?: string; hubId?: string; firmId?: string } = {},
): AuthenticatedViewer => ({
  kind: 'user',
  userId: scope.userId ?? uuidv7(),
  role,
  hubId: scope.hubId ?? null,
  firmId: scope.firmId ?? null,
  sessionId: null,
  tokenVersion: 0,
});

/** The demo users who place and watch orders. */
export const VIEWERS = {
  master: viewer('MASTER', { userId: '0190f000-0000-7000-8000-000100000001' }),
  /** receiver_manager: FIRM_MANAGER of Seoul Office Co. (a RECEIVER). */
  receiverManager: viewer('FIRM_MANAGER', { userId: DEMO.receiverManagerId, firmId: DEMO.seoulOffice }),
  /** A colleague at Seoul Office Co. */
  receiverColleague: viewer('FIRM_MANAGER', { firmId: DEMO.seoulOffice }),
  gwangjuManager: viewer('FIRM_MANAGER', { firmId: DEMO.gwangjuRetail }),
  /** firm_manager: FIRM_MANAGER of Hanbit Foods (a SUPPLIER). */
  supplierManager: viewer('FIRM_MANAGER', { userId: DEMO.firmManagerId, firmId: DEMO.hanbitFoods }),
  seoulHubManager: viewer('HUB_MANAGER', { hubId: DEMO.seoulHub }),
  supplierHubManager: viewer('HUB_MANAGER', { hubId: DEMO.gyeonggiSouthHub }),
  busanHubManager: viewer('HUB_MANAGER', { hubId: DEMO.busanHub }),
  deliveryManager: viewer('DELIVERY_MANAGER', { hubId: DEMO.seoulHub }),
  member: viewer('MEMBER'),
};

export const ORDER_FIELDS = `id status quantity productName unitPrice destinationKind requestNote cancelReason
  cancelledAt createdAt updatedAt product { id stock } supplierFirm { id } supplierHub { id } receiverFirm { id }
  locker { id } receiverHub { id } createdBy { id }`;
export const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { ${ORDER_FIELDS} } }`;
export const CANCEL_ORDER = `mutation($id: ID!) { cancelOrder(id: $id) { ${ORDER_FIELDS} } }`;
export const ORDER = `query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
export const ORDERS = `query($first: Int, $after: String, $status: OrderStatus) {
  orders(first: $first, after: $after, status: $status) { nodes { id status receiverFirm { id } } endCursor hasNextPage }
}`;

/** A fresh supplier product of Hanbit Foods with `stock` units, written straight into the order database. */
export async function createProduct(orm: MikroORM, stock: number, name = `Test product ${uuidv7()}`): Promise<string> {
  const em = orm.em.fork();
  const product = em.create(Product, { id: uuidv7(), firmId: DEMO.hanbitFoods, name, stock, price: 1000 });
  await em.flush();
  return product.id;
}

/** A product's stock as the database has it now. */
export async function stockOf(orm: MikroORM, productId: string): Promise<number> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ stock: number }[]>('select stock from products where id = ?', [productId]);
  return Number(rows[0]!.stock);
}

/** The events recorded in the outbox for `key` (an order id), oldest first: type and payload. */
export async function outboxFor(orm: MikroORM, key: string): Promise<{ type: string; data: any }[]> {
  const rows = await orm.em.fork().find(OutboxEvent, { key }, { orderBy: { id: 'asc' } });
  return rows.map((r) => ({ type: r.type, data: (JSON.parse(r.envelope) as { data: unknown }).data }));
}

/** A `createOrder` input for the demo receiver Seoul Office Co., with a fresh key unless one is given. */
export const firmOrder = (productId: string, quantity: number, extra: Record<string, unknown> = {}) => ({
  productId,
  quantity,
  receiverFirmId: DEMO.seoulOffice,
  idempotencyKey: uuidv7(),
  ...extra,
});
