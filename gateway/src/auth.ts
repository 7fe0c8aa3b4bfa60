/**
 * Identity at the edge: the gateway verifies the caller's access token once, checks that its session is still
 * alive and its role current (lib/auth/sessions.ts), then sends every subgraph a short-lived passport meant
 * for that subgraph alone (audience = its name), carrying the viewer and the client's address.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { SessionCheck } from '../../lib/auth/sessions.js';
import { PASSPORT_HEADER, verifyAccessToken } from '../../lib/auth/tokens.js';
import { ANONYMOUS, type Viewer } from '../../lib/auth/viewer.js';
import { injectTraceContext } from '../../lib/tracing/index.js';
import { DomainError, toGraphQLError, unauthenticated } from '../../lib/errors/index.js';
import { currentRequestId, REQUEST_ID_HEADER } from '../../lib/http/request-id.js';
import type { LimitsContext } from './limits/index.js';
import { PassportCache } from './upstream/passports.js';

export interface GatewayContext extends LimitsContext {
  viewer: Viewer;
  /** The client's address (express `req.ip`, which honours TRUST_PROXY). */
  clientAddress: string | null;
  /** The request id (lib/http/request-id.ts), sent to every subgraph fetch as `x-request-id`. */
  requestId?: string;
}

/**
 * Reads `Authorization: Bearer <token>`. No header = anonymous; a bad token, an ended session or an outdated
 * role is refused (UNAUTHENTICATED), never ignored.
 */
export async function viewerFromAuthorization(
  header: string | undefined,
  jwtSecret: string,
  sessions: SessionCheck,
): Promise<Viewer> {
  if (!header) return ANONYMOUS;
  try {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw unauthenticated('Authorization header must be "Bearer <access token>"');
    const viewer = await verifyAccessToken(match[1]!, jwtSecret);
    if (viewer.kind === 'user') await sessions.assertCurrent(viewer);
    return viewer;
  } catch (err) {
    throw err instanceof DomainError ? toGraphQLError(err) : err;
  }
}

export class PassportDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    passport: { secret: string; ttlSeconds: number },
  ) {
    super({ url });
    this.passports = new PassportCache(passport);
  }

  /** One signature per viewer and subgraph for a quarter of the passport's lifetime (upstream/passports.ts). */
  private readonly passports: PassportCache;

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    // Requests the gateway makes on its own (health checks) carry no operation context: anonymous.
    const ctx = context as Partial<GatewayContext> | undefined;
    const passport = await this.passports.sign(ctx?.viewer ?? ANONYMOUS, this.subgraph, {
      clientAddress: ctx?.clientAddress,
    });
    request.http?.headers.set(PASSPORT_HEADER, passport);
    // The operation's id, else the scope's (a fetch Apollo makes while handling a request), else none (its own).
    const requestId = ctx?.requestId ?? currentRequestId();
    if (requestId) request.http?.headers.set(REQUEST_ID_HEADER, requestId);
    // The fetch's span (observability/fetch.ts) is current here: the subgraph continues it (traceparent).
    if (request.http) injectTraceContext(request.http.headers);
  }
}
