/**
 * Access tokens (signed by the user subgraph, verified by the gateway) and passports (signed by the
 * gateway per subgraph, verified by that subgraph). Both are HS256 JWTs made with jose; they use
 * different secrets and issuers so one can never stand in for the other.
 */
import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { ANONYMOUS, isRole, type Viewer } from './viewer.js';
import { unauthenticated } from '../errors/index.js';
import { VerifiedTokens } from './verified-tokens.js';

export const ACCESS_TOKEN_ISSUER = 'hubgraph-user';
export const PASSPORT_ISSUER = 'hubgraph-gateway';
export const PASSPORT_HEADER = 'x-hubgraph-passport';
const GATEWAY_AUDIENCE = 'hubgraph-gateway';

/**
 * Each secret as a WebCrypto HMAC key, imported once per process. jose imports a raw (Uint8Array) secret anew on
 * every sign and verify, which was the largest single cost of a gateway request and of a subgraph's passport check.
 */
const keyCache = new Map<string, Promise<webcrypto.CryptoKey>>();
function key(secret: string): Promise<webcrypto.CryptoKey> {
  let k = keyCache.get(secret);
  if (!k) {
    k = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keyCache.set(secret, k);
  }
  return k;
}

interface ViewerClaims {
  role?: unknown;
  hub?: unknown;
  firm?: unknown;
  sid?: unknown;
  ver?: unknown;
  /** Passports only: the client's address as the gateway saw it (for per-address rate limits). */
  ip?: unknown;
}

function viewerClaims(viewer: Viewer): Record<string, unknown> {
  return viewer.kind === 'user'
    ? { role: viewer.role, hub: viewer.hubId, firm: viewer.firmId, sid: viewer.sessionId, ver: viewer.tokenVersion }
    : { anon: true };
}

function viewerFrom(sub: string | undefined, claims: ViewerClaims): Viewer {
  if (!sub) return ANONYMOUS;
  if (!isRole(claims.role)) throw unauthenticated('Token carries no valid role');
  return {
    kind: 'user',
    userId: sub,
    role: claims.role,
    hubId: typeof claims.hub === 'string' ? claims.hub : null,
    firmId: typeof claims.firm === 'string' ? claims.firm : null,
    sessionId: typeof claims.sid === 'string' ? claims.sid : null,
    tokenVersion: typeof claims.ver === 'number' && Number.isInteger(claims.ver) ? claims.ver : 0,
  };
}

export async function signAccessToken(
  viewer: Viewer & { kind: 'user' },
  opts: { secret: string; ttlSeconds: number },
): Promise<string> {
  return new SignJWT(viewerClaims(viewer))
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(viewer.userId)
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(GATEWAY_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSeconds}s`)
    .sign(await key(opts.secret));
}

/** A verified token's `exp` in milliseconds (0 when absent: such a token is not kept). */
const expiry = (payload: { exp?: number }) => (payload.exp ?? 0) * 1000;

const accessTokens = new VerifiedTokens<Viewer>();

/** Verifies an access token; any failure (forged, expired, wrong issuer) is UNAUTHENTICATED. */
export async function verifyAccessToken(token: string, secret: string): Promise<Viewer> {
  try {
    return await accessTokens.get(`${secret}\n${token}`, async () => {
      const { payload } = await jwtVerify(token, await key(secret), {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: GATEWAY_AUDIENCE,
        algorithms: ['HS256'],
      });
      if (!payload.sub) throw unauthenticated('Invalid access token');
      // Shared by every request that presents this token until it expires: frozen, so none can change it.
      return { value: Object.freeze(viewerFrom(payload.sub, payload as ViewerClaims)), expiresAtMs: expiry(payload) };
    });
  } catch (err) {
    throw unauthenticated(err instanceof joseErrors.JWTExpired ? 'Access token expired' : 'Invalid access token');
  }
}

/** What a subgraph learns from the gateway about a request: who asks, and from where. */
export interface Passport {
  viewer: Viewer;
  /** The client's address as the gateway saw it; null for requests the platform makes itself. */
  clientAddress: string | null;
}

export async function signPassport(
  viewer: Viewer,
  audience: string,
  opts: { secret: string; ttlSeconds: number },
  request: { clientAddress?: string | null } = {},
): Promise<string> {
  const jwt = new SignJWT({ ...viewerClaims(viewer), ...(request.clientAddress ? { ip: request.clientAddress } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(PASSPORT_ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSeconds}s`);
  if (viewer.kind === 'user') jwt.setSubject(viewer.userId);
  return jwt.sign(await key(opts.secret));
}

const passports = new VerifiedTokens<Passport>();

/** Verifies a passport meant for `audience` (the subgraph's name). Throws UNAUTHENTICATED. */
export async function verifyPassport(token: string | undefined, audience: string, secret: string): Promise<Passport> {
  if (!token) throw unauthenticated('Missing gateway passport');
  try {
    return await passports.get(`${audience}\n${secret}\n${token}`, async () => {
      const { payload } = await jwtVerify(token, await key(secret), {
        issuer: PASSPORT_ISSUER,
        audience,
        algorithms: ['HS256'],
      });
      const claims = payload as ViewerClaims;
      const passport: Passport = {
        viewer: Object.freeze(viewerFrom(payload.sub, claims)),
        clientAddress: typeof claims.ip === 'string' ? claims.ip : null,
      };
      return { value: Object.freeze(passport), expiresAtMs: expiry(payload) };
    });
  } catch {
    throw unauthenticated('Invalid gateway passport');
  }
}
