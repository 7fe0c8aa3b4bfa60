/**
 * Stable error codes. A code, not a class, crosses process boundaries (subgraph → gateway → client,
 * Redis, MQTT), so clients and other subgraphs match on `extensions.code` and never on messages.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  INVALID_PICKUP_CODE: 'INVALID_PICKUP_CODE',
  PICKUP_LOCKED_OUT: 'PICKUP_LOCKED_OUT',
  DEVICE_TIMEOUT: 'DEVICE_TIMEOUT',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  // Demand control (gateway/src/limits): `extensions.limit` is the limit, `actual` the measure when known.
  TOO_MANY_TOKENS: 'TOO_MANY_TOKENS',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  TOO_MANY_ROOT_FIELDS: 'TOO_MANY_ROOT_FIELDS',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  SUBGRAPH_RESPONSE_TOO_LARGE: 'SUBGRAPH_RESPONSE_TOO_LARGE',
  CLIENT_CLOSED_REQUEST: 'CLIENT_CLOSED_REQUEST',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  SUBSCRIPTION_NOT_SUPPORTED: 'SUBSCRIPTION_NOT_SUPPORTED',
  BATCH_NOT_SUPPORTED: 'BATCH_NOT_SUPPORTED',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  // Persisted documents (gateway/src/documents): APQ and trusted documents.
  /** A hash-only request named a document the gateway does not know (HTTP 200, as Apollo answers): send the text. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** The document sent does not hash (SHA-256, hex) to `extensions.persistedQuery.sha256Hash`. */
  PERSISTED_QUERY_HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  /** TRUSTED_DOCUMENTS_MODE=enforce: the operation is not in the trusted-documents manifest. */
  PERSISTED_QUERY_NOT_ALLOWED: 'PERSISTED_QUERY_NOT_ALLOWED',
  SCHEMA_NOT_READY: 'SCHEMA_NOT_READY',
  // Users and sessions.
  /** The change would leave no active MASTER. */
  LAST_MASTER: 'LAST_MASTER',
  /** Another subgraph this answer depends on could not be asked; retrying later may work. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  // Payments (subgraphs/order/src/payments).
  PAYMENT_NOT_FOUND: 'PAYMENT_NOT_FOUND',
  /** Not captured (pending, awaiting confirmation, failed, cancelled) where a captured payment is needed. */
  PAYMENT_NOT_PAID: 'PAYMENT_NOT_PAID',
  /** The captured amount differs from the amount the server expected. */
  PAYMENT_AMOUNT_MISMATCH: 'PAYMENT_AMOUNT_MISMATCH',
  /** The receipt pays for another order than the one it is presented for. */
  PAYMENT_ORDER_MISMATCH: 'PAYMENT_ORDER_MISMATCH',
  PAYMENT_NOT_CONFIRMABLE: 'PAYMENT_NOT_CONFIRMABLE',
  PAYMENT_CANCEL_EXCEEDS_REMAINING: 'PAYMENT_CANCEL_EXCEEDS_REMAINING',
  PAYMENT_CANCEL_NOT_ALLOWED: 'PAYMENT_CANCEL_NOT_ALLOWED',
  /** The provider could not be reached or failed (timeout, network, 5xx): retry later. */
  PAYMENT_PROVIDER_UNAVAILABLE: 'PAYMENT_PROVIDER_UNAVAILABLE',
  /** The provider refused us (credentials, IP allow-list): a configuration problem, retrying will not help. */
  PAYMENT_PROVIDER_REJECTED: 'PAYMENT_PROVIDER_REJECTED',
  // Orders (subgraphs/order).
  /** The order's status does not allow the change (e.g. cancelling in transit); `allowed` lists what it does allow. */
  INVALID_ORDER_TRANSITION: 'INVALID_ORDER_TRANSITION',
  // Deliveries (subgraphs/delivery).
  /** The delivery can no longer be cancelled directly: it is completed, already cancelled, or on its way. */
  DELIVERY_NOT_CANCELLABLE: 'DELIVERY_NOT_CANCELLABLE',
  // Lockers (subgraphs/locker).
  /** The locker answered a command with `ok: false`; `deviceError` is its reason. Nothing was changed. */
  DEVICE_REFUSED: 'DEVICE_REFUSED',
  // Subscriptions (gateway/src/subscriptions).
  /** More live subscriptions than a connection or a user may hold; `extensions.limit` and `scope` say which. */
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  /** The supergraph changed under a live subscription, which was closed: subscribe again. */
  SUPERGRAPH_CHANGED: 'SUPERGRAPH_CHANGED',
  /** A streaming transport (graphql-ws, SSE, multipart) was sent a query or mutation: send those over HTTP POST. */
  NOT_A_SUBSCRIPTION: 'NOT_A_SUBSCRIPTION',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  // At the gateway, before any subgraph is asked (the session store is down): retrying later may work.
  SERVICE_UNAVAILABLE: 503,
};

/** A failure the caller can act on. Domain and service code throw these; transports map them. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Shown to the client in `extensions`: put nothing internal here. */
    readonly details?: Record<string, unknown>,
    /** `cause` is for logs only; clients never see it. */
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const unauthenticated = (message = 'Authentication required') =>
  new DomainError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'You are not allowed to do this') => new DomainError(ErrorCode.FORBIDDEN, message);
export const badInput = (message: string, field?: string) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : undefined);
export const notFound = (what: string, id: string) => new DomainError(ErrorCode.NOT_FOUND, `${what} ${id} not found`);

/** Turns a DomainError into the GraphQLError clients see; used where code must throw a GraphQLError itself. */
export function toGraphQLError(error: DomainError): GraphQLError {
  const status = HTTP_STATUS[error.code];
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...error.details, ...(status ? { http: { status } } : {}) },
  });
}

/**
 * Apollo `formatError`: keeps coded errors, masks everything else as INTERNAL_SERVER_ERROR so that
 * SQL, stack traces and library internals never reach a client. `onInternal` logs what was masked.
 */
export function createErrorFormatter(onInternal: (error: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Resolver errors arrive wrapped in a located GraphQLError; the thrown value is its originalError.
    // In the gateway, a subgraph's error arrives the same way, its originalError being the JSON error.
    const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
    if (original instanceof DomainError) {
      return {
        ...formatted,
        message: original.message,
        extensions: { code: original.code, ...original.details },
      };
    }
    // An Error that is not a GraphQLError was thrown by accident (a bug, a driver, a network failure):
    // its message may hold SQL or addresses. Coded errors raised on purpose, by graphql-js, Apollo,
    // or a subgraph (already formatted there) are safe to show.
    const accidental = original instanceof Error && !(original instanceof GraphQLError);
    const code = formatted.extensions?.code;
    if (!accidental && typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      // @apollo/gateway describes a failed subgraph fetch in `extensions.response` (internal URL, status, body):
      // the code is for the client, the rest is not.
      if (!formatted.extensions?.response) return formatted;
      const { response: _internal, ...extensions } = formatted.extensions;
      return { ...formatted, extensions };
    }
    onInternal(original);
    return {
      message: 'Internal server error',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
