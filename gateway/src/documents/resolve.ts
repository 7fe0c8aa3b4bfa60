/**
 * Persisted documents, free of any transport: what a request's `query` and `extensions.persistedQuery` (Apollo's
 * APQ protocol: `{ version: 1, sha256Hash }`) resolve to, under TRUSTED_DOCUMENTS_MODE:
 *
 * - off: a hash alone runs the document registered under it (trusted manifest, then the APQ cache), or is answered
 *   PERSISTED_QUERY_NOT_FOUND (HTTP 200, as Apollo Server answers) so that the client sends hash and text; a text
 *   with its hash is checked (PERSISTED_QUERY_HASH_MISMATCH) and registered once demand control has passed it.
 * - audit: the same, and each operation that is not in the manifest is logged (once per hash): what enforce would
 *   refuse, to be seen before switching.
 * - enforce: only the manifest's documents run, by hash or by their full text; anything else is
 *   PERSISTED_QUERY_NOT_ALLOWED, and nothing is registered.
 *
 * The outcome is always a full text, which then goes through demand control and Apollo like any other: a document
 * run by hash is measured on every request, with that request's variables (they decide `first`/`limit`, hence cost).
 */
import { GraphQLError } from 'graphql';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { ErrorCode } from '../../../lib/errors/index.js';
import type { Logger } from '../../../lib/logger/index.js';
import { documentHash, isDocumentHash } from './hash.js';
import type { DocumentStore } from './store.js';

export type TrustedDocumentsMode = 'off' | 'audit' | 'enforce';

/** The parameters of a GraphQL request, as any transport received them (unchecked). */
export interface PersistedParams {
  query?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

export type Resolution =
  /** Nothing to do: the request goes on as it came. */
  | { kind: 'pass' }
  /** Run `query`, without the persistedQuery extension; `register` once demand control has passed it. */
  | { kind: 'resolved'; query: string; hash: string; register: boolean }
  /** Refused; `status` and `headers` are for the HTTP transports. */
  | { kind: 'refused'; errors: GraphQLError[]; status: number; headers: Record<string, string> };

/** The header Apollo sends with its APQ errors: the answer to a hash must not be cached by anyone. */
const NO_CACHE = { 'cache-control': 'private, no-cache, must-revalidate' };
/** Hashes already logged in audit mode, at most this many (then the set starts again). */
const MAX_AUDITED = 10_000;

export class DocumentResolver {
  private readonly audited = new Set<string>();

  constructor(
    readonly store: DocumentStore,
    readonly mode: TrustedDocumentsMode,
    private readonly logger: Logger,
  ) {}

  async resolve(params: PersistedParams): Promise<Resolution> {
    const extensions = params.extensions;
    const persisted = isRecord(extensions) ? extensions.persistedQuery : undefined;
    // graphql-ws requires a string `query`, so a hash-only subscribe there carries "".
    const query = typeof params.query === 'string' && params.query !== '' ? params.query : undefined;
    if (persisted === undefined || persisted === null) {
      if (query === undefined || this.mode === 'off') return { kind: 'pass' };
      const hash = documentHash(query);
      return this.store.isTrusted(hash)
        ? { kind: 'pass' }
        : this.untrusted(hash, params.operationName, { kind: 'pass' });
    }
    if (!isRecord(persisted) || persisted.version !== 1) {
      // Apollo Client answers this by sending full texts without hashes from then on.
      return refused(ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, 'PersistedQueryNotSupported', 200, NO_CACHE);
    }
    if (!isDocumentHash(persisted.sha256Hash)) {
      const message = 'extensions.persistedQuery.sha256Hash must be the SHA-256 of the document, in hex';
      return refused(ApolloServerErrorCode.BAD_REQUEST, message, 400);
    }
    const hash = persisted.sha256Hash.toLowerCase();

    if (query !== undefined) {
      if (documentHash(query) !== hash) {
        const message = 'The document does not hash to extensions.persistedQuery.sha256Hash (SHA-256 of its text)';
        return refused(ErrorCode.PERSISTED_QUERY_HASH_MISMATCH, message, 400);
      }
      const trusted = this.store.isTrusted(hash);
      const resolved: Resolution = { kind: 'resolved', query, hash, register: !trusted && this.store.registers };
      return trusted ? resolved : this.untrusted(hash, params.operationName, resolved);
    }

    let found;
    try {
      found = await this.store.lookup(hash);
    } catch (err) {
      // The client falls back to sending the text, which needs no store.
      this.logger.warn({ err }, 'persisted document lookup failed (key-value store); answering not found');
    }
    if (!found) {
      if (this.mode === 'enforce') return notAllowed();
      return refused(ErrorCode.PERSISTED_QUERY_NOT_FOUND, 'PersistedQueryNotFound', 200, NO_CACHE);
    }
    const resolved: Resolution = { kind: 'resolved', query: found.text, hash, register: false };
    return found.trusted ? resolved : this.untrusted(hash, params.operationName, resolved);
  }

  /**
   * Registers a document that passed demand control. Never waits and never fails the request: a document that is
   * not registered is sent again by its client, at the price of one round trip.
   */
  register(hash: string, text: string): void {
    this.store.register(hash, text).catch((err: unknown) => {
      this.logger.warn({ err }, 'persisted document registration failed (key-value store)');
    });
  }

  /** An operation that is not in the manifest: refused under enforce, logged under audit, else `otherwise`. */
  private untrusted(hash: string, operationName: unknown, otherwise: Resolution): Resolution {
    if (this.mode === 'enforce') return notAllowed();
    if (this.mode === 'audit' && !this.audited.has(hash)) {
      if (this.audited.size >= MAX_AUDITED) this.audited.clear();
      this.audited.add(hash);
      const name = typeof operationName === 'string' ? operationName : undefined;
      this.logger.warn(
        { hash, operationName: name },
        'operation not in the trusted documents; TRUSTED_DOCUMENTS_MODE=enforce would refuse it',
      );
    }
    return otherwise;
  }
}

function refused(code: string, message: string, status: number, headers: Record<string, string> = {}): Resolution {
  return { kind: 'refused', errors: [new GraphQLError(message, { extensions: { code } })], status, headers };
}

const notAllowed = () =>
  refused(
    ErrorCode.PERSISTED_QUERY_NOT_ALLOWED,
    'This gateway runs only trusted documents, and this operation is not one of them',
    400,
    { 'cache-control': 'no-store' },
  );

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
