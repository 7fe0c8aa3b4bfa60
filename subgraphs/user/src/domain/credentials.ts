/** Rules for what a user may choose as credentials. Pure functions; errors name the rule broken. */
import { badInput } from '../../../../lib/errors/index.js';
import type { Role } from '../../../../lib/auth/viewer.js';

export const USERNAME_RULE = '4–20 characters: lowercase letters, digits or _, starting with a letter';
export const PASSWORD_RULE = '10–128 characters mixing at least two of letters, digits and symbols';
const USERNAME = /^[a-z][a-z0-9_]{3,19}$/;

export function assertValidUsername(username: string): void {
  if (!USERNAME.test(username)) throw badInput(`Username must be ${USERNAME_RULE}`, 'username');
}

export function assertValidPassword(password: string): void {
  const classes = [/[A-Za-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (password.length < 10 || password.length > 128 || classes < 2) {
    throw badInput(`Password must be ${PASSWORD_RULE}`, 'password');
  }
}

export function assertValidName(name: string): void {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 60) throw badInput('Name must be 1–60 characters', 'name');
}

/** The hub/firm scope each role needs. */
export function assertScopeFits(role: Role, scope: { hubId: string | null; firmId: string | null }): void {
  if ((role === 'HUB_MANAGER' || role === 'DELIVERY_MANAGER') && !scope.hubId) {
    throw badInput(`${role} needs a hubId`, 'hubId');
  }
  if (role === 'FIRM_MANAGER' && !scope.firmId) throw badInput('FIRM_MANAGER needs a firmId', 'firmId');
}
