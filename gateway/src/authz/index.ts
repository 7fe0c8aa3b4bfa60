/**
 * Authorization from the supergraph: `@authenticated`, `@requiresScopes` and `@policy` (lib/auth/scopes.ts), checked at the
 * gateway before anything is planned or fetched, as Apollo Router does with `reject_unauthorized`: an operation
 * that selects a field its viewer may not read is refused whole, each such field named in an error. The subgraphs
 * check the same directives again from the passport (lib/subgraph/authorize.ts).
 *
 * @apollo/gateway refuses a supergraph that links a `for: SECURITY` feature it does not know ("is for: SECURITY but
 * is unsupported"), which is right for a gateway that would ignore it. This one enforces them, so it hands
 * @apollo/gateway the supergraph with that purpose dropped from exactly the three features enforced here.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { SupergraphSdlHook } from '@apollo/gateway';
import {
  type GraphQLError,
  Kind,
  TypeInfo,
  parse,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { assertMeets, requirementOf, type FieldRequirement } from '../../../lib/auth/scopes.js';
import type { Viewer } from '../../../lib/auth/viewer.js';
import { DomainError, ErrorCode, toGraphQLError } from '../../../lib/errors/index.js';

/** The links of the features this gateway enforces itself, `for: SECURITY`. */
const SECURITY_LINK =
  /@link\(\s*url:\s*"(https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes|policy)\/v[\d.]+)"\s*,\s*for:\s*SECURITY\s*\)/g;

/** The supergraph as @apollo/gateway will take it: the enforced features linked without `for: SECURITY`. */
export function enforceableSupergraph(sdl: string): string {
  return sdl.replace(SECURITY_LINK, (_link, url: string) => `@link(url: "${url}")`);
}

/** The same for a supergraph that arrives through a hook (and its later updates). */
export function enforceableSupergraphSource(source: string | SupergraphSdlHook): string | SupergraphSdlHook {
  if (typeof source === 'string') return enforceableSupergraph(source);
  return async (options) => {
    const loaded = await source({ ...options, update: (sdl) => options.update(enforceableSupergraph(sdl)) });
    return { ...loaded, supergraphSdl: enforceableSupergraph(loaded.supergraphSdl) };
  };
}

/** The requirements one supergraph declares, and the check of an operation against them. */
export class SchemaAuthorization {
  private constructor(private readonly requirements: ReadonlyMap<string, FieldRequirement>) {}

  /** Reads every `Type.field` that declares a requirement (object and interface types, and their extensions). */
  static fromSupergraph(sdl: string): SchemaAuthorization {
    const requirements = new Map<string, FieldRequirement>();
    for (const definition of parse(sdl, { noLocation: true }).definitions) {
      if (
        definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
        definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
        definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
        definition.kind !== Kind.INTERFACE_TYPE_EXTENSION
      ) {
        continue;
      }
      for (const field of definition.fields ?? []) {
        const requirement = requirementOf(field.directives);
        if (requirement) requirements.set(`${definition.name.value}.${field.name.value}`, requirement);
      }
    }
    return new SchemaAuthorization(requirements);
  }

  /** How many fields declare a requirement. */
  get size(): number {
    return this.requirements.size;
  }

  /**
   * The error that refuses `document` for `viewer`, or null when it may run: UNAUTHENTICATED when an anonymous
   * viewer selects any guarded field, else FORBIDDEN naming every field whose scopes the viewer lacks
   * (`extensions.fields`). Every selection in the document counts, fragments included (validation has already
   * refused unused ones).
   */
  check(document: DocumentNode, schema: GraphQLSchema, viewer: Viewer): GraphQLError | null {
    if (this.requirements.size === 0) return null;
    const refused = new Map<string, DomainError>();
    const typeInfo = new TypeInfo(schema);
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field: () => {
          const parent = typeInfo.getParentType();
          const field = typeInfo.getFieldDef();
          if (!parent || !field) return;
          const coordinate = `${parent.name}.${field.name}`;
          const requirement = this.requirements.get(coordinate);
          if (!requirement || refused.has(coordinate)) return;
          try {
            assertMeets(requirement, viewer, coordinate);
          } catch (err) {
            if (!(err instanceof DomainError)) throw err;
            refused.set(coordinate, err);
          }
        },
      }),
    );
    if (refused.size === 0) return null;
    const fields = [...refused.keys()];
    // An anonymous caller has one thing to do (sign in), whatever it selected.
    if (viewer.kind !== 'user') {
      return toGraphQLError(new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in to run this operation', { fields }));
    }
    const reasons = [...refused.values()].map((e) => e.message).join('; ');
    return toGraphQLError(new DomainError(ErrorCode.FORBIDDEN, reasons, { fields }));
  }
}

/** Checks every operation Apollo Server runs, once it is parsed and validated, against the current supergraph's. */
export function authorizationPlugin(
  current: () => SchemaAuthorization | undefined,
): ApolloServerPlugin<{ viewer: Viewer }> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, schema, contextValue }) {
          const refused = current()?.check(document, schema, contextValue.viewer);
          if (refused) throw refused;
        },
      };
    },
  };
}
