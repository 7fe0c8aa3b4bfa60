/**
 * The benchmark's own federated graph: four small subgraphs over in-memory data, in the delivery network's shape.
 * - hubs:    Hub { id name region }, Query.hubs
 * - lockers: Locker { id name compartments hub }, and Hub.lockers (adds a field to the hubs subgraph's entity)
 * - orders:  Order { id status quantity product destination }, Query.orders(first)
 * - catalog: Product { id name price firm }, Firm { id name hub }
 * ORDERS_QUERY asks for 100 orders with each one's product → firm → hub (catalog, then hubs) and its destination
 * locker → compartments, hub and that hub's lockers (lockers, then hubs and lockers again): five entity fetches in
 * three waves across all four subgraphs, ~1,300 objects and ~95 kB of JSON per answer.
 */
import { composeServices } from '@apollo/composition';
import { gql } from 'graphql-tag';

const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

export const SUBGRAPH_SDL = {
  hubs: `${FEDERATION}
type Query { hubs: [Hub!]! }
type Hub @key(fields: "id") { id: ID! name: String! region: String! }`,
  lockers: `${FEDERATION}
type Query { locker(id: ID!): Locker }
type Compartment { index: Int! size: String! state: String! }
type Locker @key(fields: "id") { id: ID! name: String! compartments: [Compartment!]! hub: Hub! }
type Hub @key(fields: "id") { id: ID! lockers: [Locker!]! }`,
  orders: `${FEDERATION}
type Query { orders(first: Int = 100): [Order!]! }
type Order @key(fields: "id") { id: ID! status: String! quantity: Int! product: Product! destination: Locker! }
type Product @key(fields: "id", resolvable: false) { id: ID! }
type Locker @key(fields: "id", resolvable: false) { id: ID! }`,
  catalog: `${FEDERATION}
type Query { products: [Product!]! }
type Product @key(fields: "id") { id: ID! name: String! price: Int! firm: Firm! }
type Firm @key(fields: "id") { id: ID! name: String! hub: Hub! }
type Hub @key(fields: "id", resolvable: false) { id: ID! }`,
} as const;

export type BenchSubgraph = keyof typeof SUBGRAPH_SDL;
export const BENCH_SUBGRAPHS = Object.keys(SUBGRAPH_SDL) as BenchSubgraph[];

export const ORDERS_QUERY = `query Orders {
  orders(first: 100) {
    id status quantity
    product { id name price firm { id name hub { id name region } } }
    destination { id name compartments { index size state } hub { id name lockers { id name } } }
  }
}`;

// --- data: 17 hubs, 3 lockers each with 4 compartments, 20 firms, 50 products, 400 orders ---------------------
const REGIONS = ['Seoul', 'Gyeonggi', 'Busan', 'Daegu', 'Incheon', 'Gwangju', 'Daejeon', 'Ulsan'];
const hubs = Array.from({ length: 17 }, (_, i) => ({
  id: `hub-${i + 1}`,
  name: `Hub ${i + 1}`,
  region: REGIONS[i % REGIONS.length]!,
}));
const SIZES = ['S', 'M', 'L', 'XL'];
const lockers = hubs.flatMap((hub, h) =>
  Array.from({ length: 3 }, (_, j) => ({
    id: `locker-${h * 3 + j + 1}`,
    name: `${hub.name} locker ${j + 1}`,
    hubId: hub.id,
    compartments: SIZES.map((size, index) => ({ index, size, state: (index + j) % 3 === 0 ? 'OCCUPIED' : 'EMPTY' })),
  })),
);
const firms = Array.from({ length: 20 }, (_, i) => ({
  id: `firm-${i + 1}`,
  name: `Firm ${i + 1}`,
  hubId: hubs[i % 17]!.id,
}));
const products = Array.from({ length: 50 }, (_, i) => ({
  id: `product-${i + 1}`,
  name: `Product ${i + 1}`,
  price: 1000 + i * 37,
  firmId: firms[i % 20]!.id,
}));
const STATUSES = ['PENDING', 'PROCESSING', 'IN_TRANSIT', 'COMPLETED'];
const orders = Array.from({ length: 400 }, (_, i) => ({
  id: `order-${i + 1}`,
  status: STATUSES[i % 4]!,
  quantity: 1 + (i % 7),
  productId: products[(i * 7) % 50]!.id,
  lockerId: lockers[(i * 11) % lockers.length]!.id,
}));

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
const hubById = byId(hubs);
const lockerById = byId(lockers);
const firmById = byId(firms);
const productById = byId(products);
const orderById = byId(orders);

type Ref = { id: string };
/** Resolvers per subgraph, in @apollo/subgraph's shape (`__resolveReference` for entities). */
export const SUBGRAPH_RESOLVERS: Record<BenchSubgraph, any> = {
  hubs: {
    Query: { hubs: () => hubs },
    Hub: { __resolveReference: (ref: Ref) => hubById.get(ref.id) },
  },
  lockers: {
    Query: { locker: (_: unknown, { id }: Ref) => lockerById.get(id) },
    Locker: {
      __resolveReference: (ref: Ref) => lockerById.get(ref.id),
      hub: (locker: { hubId: string }) => ({ id: locker.hubId }),
    },
    Hub: { lockers: (hub: Ref) => lockers.filter((l) => l.hubId === hub.id) },
  },
  orders: {
    Query: { orders: (_: unknown, { first }: { first: number }) => orders.slice(0, first) },
    Order: {
      __resolveReference: (ref: Ref) => orderById.get(ref.id),
      product: (o: { productId: string }) => ({ id: o.productId }),
      destination: (o: { lockerId: string }) => ({ id: o.lockerId }),
    },
  },
  catalog: {
    Query: { products: () => products },
    Product: {
      __resolveReference: (ref: Ref) => productById.get(ref.id),
      firm: (p: { firmId: string }) => firmById.get(p.firmId),
    },
    Firm: {
      __resolveReference: (ref: Ref) => firmById.get(ref.id),
      hub: (f: { hubId: string }) => ({ id: f.hubId }),
    },
  },
};

/** What ORDERS_QUERY must answer, built from the data alone (not from any gateway). */
export function expectedOrders(first = 100) {
  const hub = (id: string) => hubById.get(id)!;
  return {
    data: {
      orders: orders.slice(0, first).map((o) => {
        const product = productById.get(o.productId)!;
        const firm = firmById.get(product.firmId)!;
        const locker = lockerById.get(o.lockerId)!;
        const lockerHub = hub(locker.hubId);
        return {
          id: o.id,
          status: o.status,
          quantity: o.quantity,
          product: {
            id: product.id,
            name: product.name,
            price: product.price,
            firm: { id: firm.id, name: firm.name, hub: hub(firm.hubId) },
          },
          destination: {
            id: locker.id,
            name: locker.name,
            compartments: locker.compartments,
            hub: {
              id: lockerHub.id,
              name: lockerHub.name,
              lockers: lockers.filter((l) => l.hubId === lockerHub.id).map((l) => ({ id: l.id, name: l.name })),
            },
          },
        };
      }),
    },
  };
}

/** Composes the four SDLs into a supergraph whose `@join__graph(url:)` are the given URLs. */
export function composeBenchSupergraph(urls: Record<BenchSubgraph, string>): string {
  const result = composeServices(
    BENCH_SUBGRAPHS.map((name) => ({ name, url: urls[name], typeDefs: gql(SUBGRAPH_SDL[name]) })),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}
