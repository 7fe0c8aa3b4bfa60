/**
 * Budgets for guessing (docs/domain.md §9 "Lockout", ADR 0003 §4). Wrong pickup codes are counted per user and
 * locker, and per locker from everyone (so many accounts cannot share one locker's budget); device keys per locker.
 */
import type { RateLimitPolicy } from '../../../../lib/ratelimit/index.js';

/** 5 wrong codes from one user at one locker within 15 minutes lock that user out of that locker for 15 minutes. */
export const PICKUP_FAILURES_PER_USER: RateLimitPolicy = {
  name: 'pickup-failures-user',
  points: 5,
  durationSeconds: 15 * 60,
  blockSeconds: 15 * 60,
};

/**
 * 20 wrong codes at one locker from anyone within 15 minutes lock its code pickups for 15 minutes: 20 guesses in a
 * million, whoever makes them. Staff opens are not affected.
 */
export const PICKUP_FAILURES_PER_LOCKER: RateLimitPolicy = {
  name: 'pickup-failures-locker',
  points: 20,
  durationSeconds: 15 * 60,
  blockSeconds: 15 * 60,
};

/** 10 wrong device keys for one locker within 15 minutes refuse its device path for 15 minutes. */
export const DEVICE_KEY_FAILURES: RateLimitPolicy = {
  name: 'device-key-failures',
  points: 10,
  durationSeconds: 15 * 60,
  blockSeconds: 15 * 60,
  message: 'Too many wrong device keys for this locker',
};
