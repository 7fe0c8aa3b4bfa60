/**
 * Authorization declared in the schema with Federation's own directives, read the same way by the gateway (from
 * the supergraph, before it plans anything) and by each subgraph (from its SDL, before a resolver runs):
 *
 * - `@authenticated`: only a signed-in viewer may select the field;
 * - `@requiresScopes(scopes: [[Scope]])`: the viewer needs every scope of at least one inner list (OR of ANDs,
 *   as Apollo Router reads it).
 *
 * - `@policy(policies: [[Policy]])`: the viewer must pass every named policy of at least one inner list; a policy
 *   is a named rule in {@link POLICIES}, and a name this code does not know refuses (closed), as Router does.
 *
 * A viewer's scopes are its role (`MASTER`, `HUB_MANAGER`, …): roles are what the access token and the passport
 * carry, and the finer rules (hub or firm scope, ownership) stay in the services, which know the data they guard.
 * Hubgraph's own SDL uses no `@policy` yet; the gateway enforces it for any supergraph it is given.
 */
import { Kind, valueFromASTUntyped, type ConstDirectiveNode } from 'graphql';
import { forbidden, unauthenticated } from '../errors/index.js';
import type { AuthenticatedViewer, Viewer } from './viewer.js';

export const AUTHENTICATED_DIRECTIVE = 'authenticated';
export const REQUIRES_SCOPES_DIRECTIVE = 'requiresScopes';
export const POLICY_DIRECTIVE = 'policy';

/** The policies `@policy` may name: each a rule on the signed-in viewer the passport carries. */
export const POLICIES: Readonly<Record<string, (viewer: AuthenticatedViewer) => boolean>> = {
  /** Someone who works at a hub: its HUB_MANAGER or one of its DELIVERY_MANAGERs. */
  'hub-staff': (v) => (v.role === 'HUB_MANAGER' || v.role === 'DELIVERY_MANAGER') && v.hubId !== null,
  /** A FIRM_MANAGER of some firm. */
  'firm-manager': (v) => v.role === 'FIRM_MANAGER' && v.firmId !== null,
};

/** What a field asks of its viewer; both lists empty means "signed in" is enough. */
export interface FieldRequirement {
  /** OR of ANDs: the viewer needs every scope of at least one inner list. */
  scopes: string[][];
  /** OR of ANDs of policy names ({@link POLICIES}). */
  policies: string[][];
}

/** The requirement a field's directives declare, or null when it declares none. */
export function requirementOf(directives: readonly ConstDirectiveNode[] | undefined): FieldRequirement | null {
  let requirement: FieldRequirement | null = null;
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name === AUTHENTICATED_DIRECTIVE) requirement ??= { scopes: [], policies: [] };
    for (const [directiveName, argName, key] of LISTED) {
      if (name !== directiveName) continue;
      const arg = directive.arguments?.find((a) => a.name.value === argName);
      const value = arg?.value.kind === Kind.LIST ? (valueFromASTUntyped(arg.value) as unknown) : undefined;
      if (!isNameLists(value)) throw new Error(`@${directiveName} needs ${argName}: [[String!]!]!`);
      requirement ??= { scopes: [], policies: [] };
      requirement[key] = [...requirement[key], ...value];
    }
  }
  return requirement;
}

/** The directives whose argument is an OR of ANDs of names, and where each lands in a requirement. */
const LISTED = [
  [REQUIRES_SCOPES_DIRECTIVE, 'scopes', 'scopes'],
  [POLICY_DIRECTIVE, 'policies', 'policies'],
] as const;

function isNameLists(value: unknown): value is string[][] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((all) => Array.isArray(all) && all.length > 0 && all.every((s) => typeof s === 'string'))
  );
}

/** The scopes a viewer holds: its role. Anonymous viewers hold none. */
export function scopesOf(viewer: Viewer): ReadonlySet<string> {
  return new Set(viewer.kind === 'user' ? [viewer.role] : []);
}

/**
 * Throws UNAUTHENTICATED when the field needs a signed-in viewer and there is none, FORBIDDEN when the viewer lacks
 * the scopes. `coordinate` (`Type.field`) names the field in the message.
 */
export function assertMeets(requirement: FieldRequirement, viewer: Viewer, coordinate: string): void {
  if (viewer.kind !== 'user') throw unauthenticated(`Sign in to read ${coordinate}`);
  const held = scopesOf(viewer);
  const passes = (name: string) => POLICIES[name]?.(viewer) === true;
  const describe = (lists: string[][]) => lists.map((all) => all.join(' and ')).join(' or ');
  if (requirement.scopes.length && !requirement.scopes.some((all) => all.every((scope) => held.has(scope)))) {
    throw forbidden(`${coordinate} requires ${describe(requirement.scopes)}`);
  }
  if (requirement.policies.length && !requirement.policies.some((all) => all.every(passes))) {
    throw forbidden(`${coordinate} requires the policy ${describe(requirement.policies)}`);
  }
}
