/**
 * Authorization declared in the schema with Federation's own directives, read the same way by the gateway (from
 * the supergraph, before it plans anything) and by each subgraph (from its SDL, before a resolver runs):
 *
 * - `@authenticated`: only a signed-in viewer may select the field;
 * - `@requiresScopes(scopes: [[Scope]])`: the viewer needs every scope of at least one inner list (OR of ANDs,
 *   as Apollo Router reads it).
 *
 * A viewer's scopes are its role (`MASTER`, `HUB_MANAGER`, …): roles are what the access token and the passport
 * carry, and the finer rules (hub or firm scope, ownership) stay in the services, which know the data they guard.
 * `@policy` is not used: no field needs a rule that is more than a role and less than a service's check.
 */
import { Kind, valueFromASTUntyped, type ConstDirectiveNode } from 'graphql';
import { forbidden, unauthenticated } from '../errors/index.js';
import type { Viewer } from './viewer.js';

export const AUTHENTICATED_DIRECTIVE = 'authenticated';
export const REQUIRES_SCOPES_DIRECTIVE = 'requiresScopes';

/** What a field asks of its viewer; `scopes` empty means "signed in" is enough. */
export interface FieldRequirement {
  /** OR of ANDs: the viewer needs every scope of at least one inner list. */
  scopes: string[][];
}

/** The requirement a field's directives declare, or null when it declares none. */
export function requirementOf(directives: readonly ConstDirectiveNode[] | undefined): FieldRequirement | null {
  let requirement: FieldRequirement | null = null;
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name === AUTHENTICATED_DIRECTIVE) requirement ??= { scopes: [] };
    if (name === REQUIRES_SCOPES_DIRECTIVE) {
      const arg = directive.arguments?.find((a) => a.name.value === 'scopes');
      const value = arg?.value.kind === Kind.LIST ? (valueFromASTUntyped(arg.value) as unknown) : undefined;
      if (!isScopeLists(value)) throw new Error(`@${REQUIRES_SCOPES_DIRECTIVE} needs scopes: [[String!]!]!`);
      requirement = { scopes: [...(requirement?.scopes ?? []), ...value] };
    }
  }
  return requirement;
}

function isScopeLists(value: unknown): value is string[][] {
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
  if (requirement.scopes.length === 0) return;
  const held = scopesOf(viewer);
  if (!requirement.scopes.some((all) => all.every((scope) => held.has(scope)))) {
    throw forbidden(`${coordinate} requires ${requirement.scopes.map((all) => all.join(' and ')).join(' or ')}`);
  }
}
