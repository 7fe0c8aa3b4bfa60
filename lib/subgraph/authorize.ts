/**
 * Authorization denied by default. Every field of Query, Mutation and Subscription needs a signed-in
 * viewer unless its SDL marks it `@public`; the check wraps the field's resolver (and subscribe), so a
 * field added without thought is closed, never open. Fields of any type that declare Federation's
 * `@authenticated` or `@requiresScopes` (lib/auth/scopes.ts) are checked here too, from the passport's viewer:
 * the gateway checks the same directives from the supergraph, and this second check holds when a request
 * reaches a subgraph some other way. Finer rules (hub/firm scope, ownership) belong to the services, which
 * know the data they guard.
 *
 * Federation's own root fields (`_entities`, `_service`) are exempt: only the gateway can call a
 * subgraph (it needs the gateway's passport), and it calls them only to complete operations whose root
 * fields passed this check.
 */
import {
  defaultFieldResolver,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { assertMeets, requirementOf, type FieldRequirement } from '../auth/scopes.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

/** The SDL directive that opens a root field to anonymous callers. Declare it in the subgraph's SDL. */
export const PUBLIC_DIRECTIVE = 'public';
export const PUBLIC_DIRECTIVE_SDL = `directive @${PUBLIC_DIRECTIVE} on FIELD_DEFINITION`;

const FEDERATION_FIELDS = new Set(['_entities', '_service']);

function rootTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
    (t): t is GraphQLObjectType => Boolean(t),
  );
}

function isPublic(field: GraphQLField<unknown, unknown>): boolean {
  return Boolean(field.astNode?.directives?.some((d) => d.name.value === PUBLIC_DIRECTIVE));
}

/** `Type.field` of every root field marked @public. */
export function publicRootFields(schema: GraphQLSchema): string[] {
  return rootTypes(schema).flatMap((type) =>
    Object.values(type.getFields())
      .filter(isPublic)
      .map((f) => `${type.name}.${f.name}`),
  );
}

/** Every root field that is neither @public nor federation's own. */
export function guardedRootFields(
  schema: GraphQLSchema,
): { type: GraphQLObjectType; field: GraphQLField<unknown, unknown> }[] {
  return rootTypes(schema).flatMap((type) =>
    Object.values(type.getFields())
      .filter((field) => !isPublic(field) && !FEDERATION_FIELDS.has(field.name))
      .map((field) => ({ type, field })),
  );
}

/** Every field of an object type (roots included) that declares `@authenticated` or `@requiresScopes`. */
export function declaredRequirements(
  schema: GraphQLSchema,
): { type: GraphQLObjectType; field: GraphQLField<unknown, unknown>; requirement: FieldRequirement }[] {
  return Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((type) => !type.name.startsWith('__'))
    .flatMap((type) =>
      Object.values(type.getFields()).flatMap((field) => {
        const requirement = requirementOf(field.astNode?.directives);
        return requirement ? [{ type, field, requirement }] : [];
      }),
    );
}

const viewerOf = (context: unknown): Viewer =>
  (context as { viewer?: Viewer } | undefined)?.viewer ?? { kind: 'anonymous' };

/**
 * Wraps a field's resolver (and subscribe) with `check`, which throws the DomainError itself: the error formatter
 * gives it its code, and the subgraph still answers HTTP 200. (A GraphQLError with an HTTP status would make the
 * whole subgraph response a 401, which the gateway reports as a failed fetch, internal URL included.)
 */
function guard(field: GraphQLField<unknown, unknown>, check: (viewer: Viewer) => void): void {
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = (source, args, context, info) => {
    check(viewerOf(context));
    return resolve(source, args, context, info);
  };
  const subscribe = field.subscribe;
  if (subscribe) {
    field.subscribe = (source, args, context, info) => {
      check(viewerOf(context));
      return subscribe(source, args, context, info);
    };
  }
}

/**
 * Wraps every guarded root field so that it refuses anonymous viewers (UNAUTHENTICATED), and every field that
 * declares a requirement so that it refuses viewers who do not meet it (UNAUTHENTICATED or FORBIDDEN). Mutates
 * `schema`.
 */
export function denyAnonymousByDefault(schema: GraphQLSchema): GraphQLSchema {
  const declared = declaredRequirements(schema);
  const withRequirement = new Set(declared.map(({ field }) => field));
  for (const { field } of guardedRootFields(schema)) {
    // A declared requirement says more than "signed in": that check (below) covers this one.
    if (!withRequirement.has(field)) guard(field, requireViewer);
  }
  for (const { type, field, requirement } of declared) {
    const coordinate = `${type.name}.${field.name}`;
    guard(field, (viewer) => assertMeets(requirement, viewer, coordinate));
  }
  return schema;
}
