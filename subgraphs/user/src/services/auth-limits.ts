/**
 * How often credentials may be tried (docs/adr/0003-sessions-and-limits.md). Budgets per client address stop
 * one source from spraying many accounts; budgets per username stop many sources from guessing one account;
 * the failure lockouts make guessing slow without locking the owner out from everywhere at the first attempts.
 */
import type { RateLimitPolicy } from '../../../../lib/ratelimit/index.js';

export const AUTH_LIMITS = {
  /** @default 30 sign-in attempts per minute per client address. */
  signInPerAddress: { name: 'sign-in-address', points: 30, durationSeconds: 60, message: 'Too many sign-in attempts' },
  /** @default 10 sign-in attempts per minute per username, from anywhere. */
  signInPerUsername: {
    name: 'sign-in-username',
    points: 10,
    durationSeconds: 60,
    message: 'Too many sign-in attempts',
  },
  /** @default 5 failed sign-ins per username from one address lock that pair out for 15 minutes. */
  failuresPerUsernameAndAddress: {
    name: 'sign-in-failures',
    points: 5,
    durationSeconds: 15 * 60,
    blockSeconds: 15 * 60,
    message: 'Too many failed sign-ins',
  },
  /** @default 30 failed sign-ins per username per hour, from any addresses, lock the username for an hour. */
  failuresPerUsername: {
    name: 'sign-in-failures-any',
    points: 30,
    durationSeconds: 60 * 60,
    blockSeconds: 60 * 60,
    message: 'Too many failed sign-ins for this account',
  },
  /** @default 20 sign-ups per 10 minutes per client address. */
  signUpPerAddress: { name: 'sign-up-address', points: 20, durationSeconds: 10 * 60, message: 'Too many sign-ups' },
  /** @default 60 token refreshes per minute per client address. */
  refreshPerAddress: { name: 'refresh-address', points: 60, durationSeconds: 60, message: 'Too many token refreshes' },
} satisfies Record<string, RateLimitPolicy>;
