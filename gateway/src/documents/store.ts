/**
 * Where persisted documents are found by hash: the trusted manifest (in memory, loaded at start) first, then the
 * APQ cache in the key-value store (Redis, shared by every gateway replica; or memory in embedded mode). The cache
 * keeps a document for `ttlSeconds` and refuses documents larger than `maxDocumentBytes`, so registering by hash
 * cannot fill the store: what a client registers is bounded in size and in time, and every registration is of a
 * document that passed demand control (gateway/src/documents/http.ts registers only after it).
 */
import type { KeyValueStore } from '../../../lib/infra/kv.js';

export interface ApqCacheOptions {
  kv: KeyValueStore;
  ttlSeconds: number;
  maxDocumentBytes: number;
}

const APQ_KEY = 'apq:';

export class DocumentStore {
  constructor(
    /** Hash (lowercase hex) → document, from the trusted-documents manifest. */
    private readonly trusted: ReadonlyMap<string, string> = new Map(),
    /** Absent: no APQ (TRUSTED_DOCUMENTS_MODE=enforce). */
    private readonly apq?: ApqCacheOptions,
  ) {}

  /** Whether APQ registration is on. */
  get registers(): boolean {
    return this.apq !== undefined;
  }

  /** How many trusted documents the manifest holds. */
  get trustedCount(): number {
    return this.trusted.size;
  }

  isTrusted(hash: string): boolean {
    return this.trusted.has(hash);
  }

  /**
   * The document named `hash`: trusted first, then the APQ cache. A store that fails (Redis down) throws; callers
   * answer PERSISTED_QUERY_NOT_FOUND, and the client sends the full text, which needs no store.
   */
  async lookup(hash: string): Promise<{ text: string; trusted: boolean } | undefined> {
    const trusted = this.trusted.get(hash);
    if (trusted !== undefined) return { text: trusted, trusted: true };
    if (!this.apq) return undefined;
    const cached = await this.apq.kv.get(APQ_KEY + hash);
    return cached === null ? undefined : { text: cached, trusted: false };
  }

  /**
   * Registers `text` under `hash` (the caller checked that one is the other's SHA-256) for the TTL, unless APQ is off,
   * the document is trusted already, or it is over the size cap. Returns whether it was written.
   */
  async register(hash: string, text: string): Promise<boolean> {
    if (!this.apq || this.trusted.has(hash)) return false;
    if (Buffer.byteLength(text, 'utf8') > this.apq.maxDocumentBytes) return false;
    await this.apq.kv.set(APQ_KEY + hash, text, { ttlSeconds: this.apq.ttlSeconds });
    return true;
  }
}
