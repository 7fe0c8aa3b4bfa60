/**
 * Persisted documents at the gateway: automatic persisted queries (APQ) and trusted documents, resolved to a full
 * text before demand control sees the request (docs/adr/0006-persisted-documents-and-rate-limits.md).
 */
import type { KeyValueStore } from '../../../lib/infra/kv.js';
import type { Logger } from '../../../lib/logger/index.js';
import { loadManifest } from './manifest.js';
import { DocumentResolver, type TrustedDocumentsMode } from './resolve.js';
import { DocumentStore } from './store.js';

export { documentHash, isDocumentHash } from './hash.js';
export { loadManifest, ManifestError, parseManifest } from './manifest.js';
export { DocumentResolver, type PersistedParams, type Resolution, type TrustedDocumentsMode } from './resolve.js';
export { DocumentStore, type ApqCacheOptions } from './store.js';
export { persistedDocumentsHttp, type PersistedDocumentsHttp } from './http.js';

export interface PersistedDocumentsOptions {
  /** The trusted-documents manifest (TRUSTED_DOCUMENTS), if any. */
  manifestPath?: string;
  mode: TrustedDocumentsMode;
  /** The APQ cache: the key-value store, TTL and size cap. Unused under enforce. */
  kv: KeyValueStore;
  apqTtlSeconds: number;
  apqMaxDocumentBytes: number;
  logger: Logger;
}

/** Loads the manifest (failing on a bad one) and builds the resolver the transports share. */
export async function createDocumentResolver(options: PersistedDocumentsOptions): Promise<DocumentResolver> {
  const trusted = options.manifestPath ? await loadManifest(options.manifestPath) : new Map<string, string>();
  const apq =
    options.mode === 'enforce'
      ? undefined
      : { kv: options.kv, ttlSeconds: options.apqTtlSeconds, maxDocumentBytes: options.apqMaxDocumentBytes };
  return new DocumentResolver(new DocumentStore(trusted, apq), options.mode, options.logger);
}
