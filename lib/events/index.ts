/**
 * Events between subgraphs (docs/events.md): durable facts one subgraph announces and others react to,
 * e.g. `order.created` → the hub subgraph plans a route. This folder is their one home:
 * - index.ts: the typed event map, the envelope, the transport port, signing (signing.ts) and the in-process
 *   transport (memory.ts);
 * - outbox.ts: the outbox and inbox tables, the recorder services use, the handler types;
 * - relay.ts: publishes committed outbox rows; consumer.ts: runs a subgraph's handlers with its inbox;
 * - redis.ts: the Redis Streams transport. Both transports keep one contract (transport.contract.ts).
 * Each subgraph declares the events it produces in `src/domain/events.ts` (an EventMap) and its
 * consumers of other subgraphs' events in `src/events/`.
 *
 * Not to be confused with pub/sub (lib/infra/pubsub.ts): that is fire-and-forget fan-out to live
 * subscribers; an event here is kept until every consumer group has handled it.
 */
export * from './envelope.js';
export * from './transport.js';
export { canonicalJson, signEvent, verifyEvent } from './signing.js';
export { MemoryEventTransport, type MemoryEventTransportOptions } from './memory.js';
