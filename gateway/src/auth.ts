/**
 * Identity at the edge: the gateway verifies the caller's access token once, then sends every
 * subgraph a short-lived passport meant for that subgraph alone (audience = its name).
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { PASSPORT_HEADER, signPassport, verifyAccessToken } from '../../lib/auth/tokens.js';
import { ANONYMOUS, type Viewer } from '../../lib/auth/viewer.js';
import { DomainError, toGraphQLError, unauthenticated } from '../../lib/errors/index.js';

export interface GatewayContext {
  viewer: Viewer;
}

/** Reads `Authorization: Bearer <token>`. No header = anonymous; a bad token is refused, never ignored. */
export async function viewerFromAuthorization(header: string | undefined, jwtSecret: string): Promise<Viewer> {
  if (!header) return ANONYMOUS;
  try {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw unauthenticated('Authorization header must be "Bearer <access token>"');
    return await verifyAccessToken(match[1]!, jwtSecret);
  } catch (err) {
    throw err instanceof DomainError ? toGraphQLError(err) : err;
  }
}

export class PassportDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly passport: { secret: string; ttlSeconds: number },
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    // Requests the gateway makes on its own (health checks) carry no operation context: anonymous.
    const viewer = (context as Partial<GatewayContext> | undefined)?.viewer ?? ANONYMOUS;
    request.http?.headers.set(PASSPORT_HEADER, await signPassport(viewer, this.subgraph, this.passport));
  }
}
