/**
 * Persisted documents without a network: the manifest's formats and checks, the store (trusted first, then the APQ
 * cache with its TTL and size cap), and what the resolver answers in each TRUSTED_DOCUMENTS_MODE.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryKeyValueStore } from '../../lib/infra/kv.js';
import { silentLogger } from '../../lib/testing/index.js';
import {
  DocumentResolver,
  DocumentStore,
  documentHash,
  ManifestError,
  parseManifest,
  type TrustedDocumentsMode,
} from '../src/documents/index.js';

const TRUSTED = 'query Trusted { __typename }';
const OTHER = 'query Other { __typename }';
const pq = (text: string) => ({ persistedQuery: { version: 1, sha256Hash: documentHash(text) } });

describe('manifest', () => {
  test("reads GraphQL Codegen's { hash: document } and Apollo's persisted-query manifest", () => {
    const codegen = parseManifest({ [documentHash(TRUSTED)]: TRUSTED });
    assert.deepEqual([...codegen], [[documentHash(TRUSTED), TRUSTED]]);
    const apollo = parseManifest({
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: documentHash(OTHER), name: 'Other', type: 'query', body: OTHER }],
    });
    assert.deepEqual([...apollo], [[documentHash(OTHER), OTHER]]);
  });

  test('refuses an entry whose hash is not its text’s SHA-256, or no hash at all', () => {
    assert.throws(() => parseManifest({ [documentHash(TRUSTED)]: OTHER }), ManifestError);
    assert.throws(() => parseManifest({ abc: TRUSTED }), ManifestError);
    assert.throws(() => parseManifest([TRUSTED]), ManifestError);
  });
});

describe('store', () => {
  test('trusted documents first, then the APQ cache, which forgets after its TTL', async () => {
    let now = 0;
    const kv = new MemoryKeyValueStore(() => now);
    const store = new DocumentStore(parseManifest({ [documentHash(TRUSTED)]: TRUSTED }), {
      kv,
      ttlSeconds: 60,
      maxDocumentBytes: 1000,
    });
    assert.deepEqual(await store.lookup(documentHash(TRUSTED)), { text: TRUSTED, trusted: true });
    assert.equal(await store.lookup(documentHash(OTHER)), undefined);
    assert.equal(await store.register(documentHash(OTHER), OTHER), true);
    assert.deepEqual(await store.lookup(documentHash(OTHER)), { text: OTHER, trusted: false });
    assert.equal(await store.register(documentHash(TRUSTED), TRUSTED), false, 'trusted already');
    now += 61_000;
    assert.equal(await store.lookup(documentHash(OTHER)), undefined);
  });

  test('documents over the size cap are not registered; without APQ nothing is', async () => {
    const kv = new MemoryKeyValueStore();
    const capped = new DocumentStore(new Map(), { kv, ttlSeconds: 60, maxDocumentBytes: 10 });
    assert.equal(await capped.register(documentHash(OTHER), OTHER), false);
    const enforce = new DocumentStore(new Map());
    assert.equal(enforce.registers, false);
    assert.equal(await enforce.register(documentHash(OTHER), OTHER), false);
    assert.equal(await kv.get(`apq:${documentHash(OTHER)}`), null);
  });
});

describe('resolver', () => {
  const resolver = (mode: TrustedDocumentsMode) =>
    new DocumentResolver(
      new DocumentStore(
        parseManifest({ [documentHash(TRUSTED)]: TRUSTED }),
        mode === 'enforce' ? undefined : { kv: new MemoryKeyValueStore(), ttlSeconds: 60, maxDocumentBytes: 1000 },
      ),
      mode,
      silentLogger,
    );
  const code = (r: Awaited<ReturnType<DocumentResolver['resolve']>>) =>
    r.kind === 'refused' ? [r.status, r.errors[0]!.extensions.code] : r.kind;

  test('off: a hash resolves to its document, an unknown one is PERSISTED_QUERY_NOT_FOUND (200)', async () => {
    const r = resolver('off');
    assert.deepEqual(await r.resolve({ extensions: pq(TRUSTED) }), {
      kind: 'resolved',
      query: TRUSTED,
      hash: documentHash(TRUSTED),
      register: false,
    });
    assert.deepEqual(code(await r.resolve({ extensions: pq(OTHER) })), [200, 'PERSISTED_QUERY_NOT_FOUND']);
    // graphql-ws sends "" for a hash-only subscribe.
    assert.deepEqual(code(await r.resolve({ query: '', extensions: pq(OTHER) })), [200, 'PERSISTED_QUERY_NOT_FOUND']);
    assert.equal((await r.resolve({ query: OTHER })).kind, 'pass');
  });

  test('off: a text with its hash is checked, and marked for registration unless trusted', async () => {
    const r = resolver('off');
    const sent = await r.resolve({ query: OTHER, extensions: pq(OTHER) });
    assert.deepEqual(sent, { kind: 'resolved', query: OTHER, hash: documentHash(OTHER), register: true });
    assert.deepEqual(code(await r.resolve({ query: OTHER, extensions: pq(TRUSTED) })), [
      400,
      'PERSISTED_QUERY_HASH_MISMATCH',
    ]);
    assert.deepEqual(code(await r.resolve({ query: TRUSTED, extensions: pq(TRUSTED) })), 'resolved');
    const v2 = { persistedQuery: { version: 2, sha256Hash: documentHash(OTHER) } };
    assert.deepEqual(code(await r.resolve({ extensions: v2 })), [200, 'PERSISTED_QUERY_NOT_SUPPORTED']);
    const bad = { persistedQuery: { version: 1, sha256Hash: 'abc' } };
    assert.deepEqual(code(await r.resolve({ extensions: bad })), [400, 'BAD_REQUEST']);
  });

  test('enforce: only trusted documents run, by hash or by text; nothing is registered', async () => {
    const r = resolver('enforce');
    assert.equal((await r.resolve({ query: TRUSTED })).kind, 'pass');
    assert.equal((await r.resolve({ extensions: pq(TRUSTED) })).kind, 'resolved');
    assert.deepEqual(code(await r.resolve({ query: OTHER })), [400, 'PERSISTED_QUERY_NOT_ALLOWED']);
    assert.deepEqual(code(await r.resolve({ extensions: pq(OTHER) })), [400, 'PERSISTED_QUERY_NOT_ALLOWED']);
    assert.deepEqual(code(await r.resolve({ query: OTHER, extensions: pq(OTHER) })), [
      400,
      'PERSISTED_QUERY_NOT_ALLOWED',
    ]);
  });

  test('audit: everything runs; what enforce would refuse is logged once per document', async () => {
    const warnings: unknown[] = [];
    const logger = { ...silentLogger, warn: (...args: unknown[]) => warnings.push(args) } as typeof silentLogger;
    const r = new DocumentResolver(
      new DocumentStore(parseManifest({ [documentHash(TRUSTED)]: TRUSTED })),
      'audit',
      logger,
    );
    assert.equal((await r.resolve({ query: OTHER, operationName: 'Other' })).kind, 'pass');
    assert.equal((await r.resolve({ query: OTHER, operationName: 'Other' })).kind, 'pass');
    assert.equal((await r.resolve({ query: TRUSTED })).kind, 'pass');
    assert.equal(warnings.length, 1);
  });
});
