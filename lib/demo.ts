/**
 * Demo data shared by the subgraphs' DemoSeeders. Each subgraph seeds only its own tables, but rows
 * point at other subgraphs' rows (a firm at its hub, a manager at its user), so the ids are fixed here.
 * Local demo only: every demo user's password is DEMO_PASSWORD.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Role } from './auth/viewer.js';

export const DEMO_PASSWORD = 'hubgraph-demo';

export interface HubRecord {
  seq: number;
  id: string;
  name: string;
  address: string;
  postalCode: string;
  latitude: number;
  longitude: number;
  central: boolean;
}
export interface HubNetwork {
  hubs: HubRecord[];
  links: { a: string; b: string }[];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The 17 hubs and 18 undirected links (data/hubs.json, copied from the seed project). */
export function loadHubNetwork(): HubNetwork {
  return JSON.parse(readFileSync(path.join(ROOT, 'data/hubs.json'), 'utf8')) as HubNetwork;
}

const HUB = {
  seoul: '018f3d6c-9a10-7c11-b2a1-e3b893f00101',
  gyeonggiSouth: '018f3d6c-9a12-7c13-b2a1-e3b893f00103',
  busan: '018f3d6c-9a13-7c14-b2a1-e3b893f00104',
  gwangju: '018f3d6c-9a16-7c17-b2a1-e3b893f00107',
  daejeon: '018f3d6c-9a17-7c18-b2a1-e3b893f00108',
  ulsan: '018f3d6c-9a18-7c19-b2a1-e3b893f00109',
} as const;

const id = (group: number, n: number) =>
  `0190f000-0000-7000-8000-${group.toString(16).padStart(4, '0')}${n.toString(16).padStart(8, '0')}`;

export const DEMO_FIRMS = [
  { id: id(2, 1), name: 'Hanbit Foods', type: 'SUPPLIER', hubId: HUB.gyeonggiSouth },
  { id: id(2, 2), name: 'Busan Marine Supply', type: 'SUPPLIER', hubId: HUB.busan },
  { id: id(2, 3), name: 'Daejeon Tech Parts', type: 'SUPPLIER', hubId: HUB.daejeon },
  { id: id(2, 4), name: 'Seoul Office Co.', type: 'RECEIVER', hubId: HUB.seoul },
  { id: id(2, 5), name: 'Gwangju Retail', type: 'RECEIVER', hubId: HUB.gwangju },
  { id: id(2, 6), name: 'Ulsan Works', type: 'RECEIVER', hubId: HUB.ulsan },
] as const;

export const DEMO_PRODUCTS = [
  { id: id(3, 1), firmId: DEMO_FIRMS[0].id, name: 'Kimchi 10kg', stock: 500, price: 42000 },
  { id: id(3, 2), firmId: DEMO_FIRMS[0].id, name: 'Rice 20kg', stock: 300, price: 61000 },
  { id: id(3, 3), firmId: DEMO_FIRMS[1].id, name: 'Dried Anchovy 1.5kg', stock: 200, price: 38000 },
  { id: id(3, 4), firmId: DEMO_FIRMS[1].id, name: 'Seaweed Box', stock: 800, price: 15000 },
  { id: id(3, 5), firmId: DEMO_FIRMS[2].id, name: 'Sensor Board', stock: 120, price: 89000 },
  { id: id(3, 6), firmId: DEMO_FIRMS[2].id, name: 'Cable Set', stock: 1000, price: 9000 },
] as const;

export interface DemoUser {
  id: string;
  username: string;
  name: string;
  role: Role;
  hubId?: string;
  firmId?: string;
}

/** One user per role (listed in the README), plus one last-mile driver per hub. */
export const DEMO_USERS: DemoUser[] = [
  { id: id(1, 1), username: 'master', name: 'Demo Master', role: 'MASTER' },
  { id: id(1, 2), username: 'hub_manager', name: 'Demo Hub Manager', role: 'HUB_MANAGER', hubId: HUB.seoul },
  { id: id(1, 3), username: 'delivery_manager', name: 'Demo Delivery Manager', role: 'DELIVERY_MANAGER', hubId: HUB.gyeonggiSouth },
  { id: id(1, 4), username: 'firm_manager', name: 'Demo Firm Manager', role: 'FIRM_MANAGER', firmId: DEMO_FIRMS[0].id },
  { id: id(1, 5), username: 'member', name: 'Demo Member', role: 'MEMBER' },
];

export const DEMO_DELIVERY_MANAGERS: { id: string; userId: string; hubId: string; kind: 'HUB' | 'FIRM'; sequence: number }[] = [
  { id: id(4, 0), userId: DEMO_USERS[2]!.id, hubId: HUB.gyeonggiSouth, kind: 'HUB', sequence: 0 },
];

for (const hub of loadHubNetwork().hubs) {
  const user: DemoUser = {
    id: id(1, 0x100 + hub.seq),
    username: `driver${String(hub.seq).padStart(2, '0')}`,
    name: `Driver ${hub.name}`,
    role: 'DELIVERY_MANAGER',
    hubId: hub.id,
  };
  DEMO_USERS.push(user);
  DEMO_DELIVERY_MANAGERS.push({ id: id(4, hub.seq), userId: user.id, hubId: hub.id, kind: 'FIRM', sequence: 0 });
}

export const DEMO_LOCKERS = [
  { id: id(5, 1), name: 'Songpa Shared Office', hubId: HUB.seoul, address: '서울특별시 송파구 송파대로 55, 1F lobby', compartments: 6 },
  { id: id(5, 2), name: 'Busan Station Lobby', hubId: HUB.busan, address: '부산광역시 동구 중앙대로 206, B1', compartments: 4 },
  { id: id(5, 3), name: 'Daejeon City Hall B1', hubId: HUB.daejeon, address: '대전광역시 서구 둔산로 100, B1', compartments: 4 },
] as const;

/** Compartment ids are derived from their locker's so that seeding stays idempotent. */
export const demoCompartmentId = (lockerIndex: number, index: number) => id(6, lockerIndex * 0x100 + index);
