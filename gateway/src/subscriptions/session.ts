/**
 * Who holds a transport's subscriptions, for as long as they live: a graphql-ws connection (any number of them), or
 * one SSE or multipart request (one). The access token is verified once, at connect or request, with the session
 * check (gateway/src/auth.ts); what can happen to it later is watched here, because a subscription can outlive both:
 * - the token expires: every subscription ends with UNAUTHENTICATED at that moment and new ones are refused, so the
 *   client reconnects with a fresh token;
 * - the session ends or the role changes (sign-out, revocation, demotion; docs/adr/0003-sessions-and-limits.md):
 *   checked every `recheckMs`, with the same outcome.
 */
import { decodeJwt } from 'jose';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { SessionCheck } from '../../../lib/auth/sessions.js';
import type { Viewer } from '../../../lib/auth/viewer.js';
import { DomainError, ErrorCode, toGraphQLError } from '../../../lib/errors/index.js';
import type { Logger } from '../../../lib/logger/index.js';
import { viewerFromAuthorization } from '../auth.js';
import type { SubscriberStream } from './fanout.js';

export interface SessionAuthOptions {
  jwtSecret: string;
  sessions: SessionCheck;
  /** How often a live session's sign-in session and role are checked again. @default 15000 ms */
  recheckMs?: number;
  logger: Logger;
}

/** setTimeout's longest delay (~24.8 days); a token that lives longer is watched in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ClientSession {
  readonly streams = new Set<SubscriberStream>();
  private refusal?: GraphQLError;
  private expiry?: NodeJS.Timeout;
  private recheck?: NodeJS.Timeout;
  private closed = false;

  private constructor(
    readonly viewer: Viewer,
    readonly clientAddress: string | null,
    /** Subscriptions this session may hold at once. */
    readonly maxStreams: number,
  ) {}

  /**
   * Verifies `authorization` ("Bearer <token>"; absent = anonymous) and starts watching the token. Throws the
   * UNAUTHENTICATED GraphQLError of viewerFromAuthorization for a bad token, an ended session or an outdated role.
   */
  static async open(
    authorization: string | undefined,
    clientAddress: string | null,
    maxStreams: number,
    auth: SessionAuthOptions,
  ): Promise<ClientSession> {
    const viewer = await viewerFromAuthorization(authorization, auth.jwtSecret, auth.sessions);
    const session = new ClientSession(viewer, clientAddress, maxStreams);
    if (viewer.kind === 'user') session.watch(authorization!, viewer, auth);
    return session;
  }

  /** Who counts against the per-user limit: the user, or for anonymous clients their address. */
  get limitKey(): string {
    return this.viewer.kind === 'user' ? `user:${this.viewer.userId}` : `address:${this.clientAddress ?? 'unknown'}`;
  }

  /** Why this session takes no more subscriptions (its token expired, its session ended), if it does not. */
  get refused(): GraphQLError | undefined {
    return this.refusal;
  }

  track(stream: SubscriberStream): void {
    this.streams.add(stream);
    stream.onReleased(() => this.streams.delete(stream));
  }

  /** Ends every subscription with `error` and refuses new ones. */
  expire(error: GraphQLError): void {
    if (this.refusal) return;
    this.refusal = error;
    this.stopWatching();
    const errors: GraphQLFormattedError[] = [publicError(error)];
    for (const stream of [...this.streams]) stream.end(errors);
  }

  /** The transport went away: stop watching; its subscriptions are returned by the transport itself. */
  close(): void {
    this.closed = true;
    this.stopWatching();
  }

  private watch(authorization: string, viewer: Viewer & { kind: 'user' }, auth: SessionAuthOptions) {
    const token = authorization.trim().split(/\s+/)[1]!;
    // Verified just now by viewerFromAuthorization; only its expiry is read here.
    const { exp } = decodeJwt(token);
    if (typeof exp === 'number') this.expireAt(exp * 1000);
    const recheckMs = auth.recheckMs ?? 15_000;
    this.recheck = setInterval(() => {
      auth.sessions.assertCurrent(viewer).catch((err: unknown) => {
        if (err instanceof DomainError) return this.expire(toGraphQLError(err));
        // The check could not be made (Redis unreachable). Sign-outs cannot be recorded then either, so keeping the
        // subscriptions loses nothing; new requests are refused meanwhile, as the ADR wants.
        auth.logger.warn({ err }, 'session re-check of a live subscription failed; retrying');
      });
    }, recheckMs).unref();
  }

  private expireAt(at: number) {
    const delay = at - Date.now();
    this.expiry = setTimeout(
      () => {
        if (this.closed) return;
        if (Date.now() < at) return this.expireAt(at);
        this.expire(
          new GraphQLError('Access token expired; subscribe again with a fresh one', {
            extensions: { code: ErrorCode.UNAUTHENTICATED },
          }),
        );
      },
      Math.min(Math.max(0, delay), MAX_TIMER_MS),
    ).unref();
  }

  private stopWatching() {
    clearTimeout(this.expiry);
    clearInterval(this.recheck);
  }
}

/** A coded error as a client sees it: `extensions.http` is for the transport, not the client (as in Apollo). */
export function publicError(error: GraphQLError): GraphQLFormattedError {
  const { http: _http, ...extensions } = error.extensions;
  return { message: error.message, extensions };
}
