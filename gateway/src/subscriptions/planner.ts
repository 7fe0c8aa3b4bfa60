/**
 * Query plans for subscriptions (docs/architecture.md §9). @apollo/gateway plans a subscription as a
 * SubscriptionNode `{ primary, rest }` but refuses to execute it; this module builds the same plan from the same
 * supergraph and turns it into two things the gateway can run:
 * - `primary`: the fetch that opens the root field on the one subgraph that owns it (subscription fields cannot be
 *   shared), sent to that subgraph over graphql-ws (upstream.ts);
 * - `eventPlan`: an ordinary query plan, `Sequence [primary answered by the event, rest]`, that executeQueryPlan
 *   runs once per event (execute.ts), so that every merge and shaping step is Apollo's own.
 *
 * One planner per supergraph: `onSchemaLoadOrUpdate` builds a new one, and plans never outlive their supergraph.
 */
import { createHash } from 'node:crypto';
import { buildOperationContext } from '@apollo/gateway';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { SchemaAuthorization } from '../authz/index.js';
import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

/** The serviceName the event answers under in `eventPlan`; no subgraph can be named so (names are identifiers). */
export const EVENT_SERVICE = '#subscription-event';

type OperationContext = ReturnType<typeof buildOperationContext>;

export interface SubscriptionPlan {
  /** Identifies (document, operationName) within this planner. */
  key: string;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** What executeQueryPlan needs to know about the client's operation. */
  operationContext: OperationContext;
  /** The root field's fetch, to be opened on `primary.serviceName` over graphql-ws. */
  primary: FetchNode;
  /** `primary` answered by the event (under EVENT_SERVICE), then the fetches of the fields other subgraphs add. */
  eventPlan: QueryPlan;
  /** Whether any other subgraph is asked per event; when not, the event is shaped without a fetch. */
  hasRest: boolean;
}

/** A document that cannot be planned: validation or planning errors, each a GraphQLError with a code. */
export class PlanningError extends Error {
  constructor(readonly errors: readonly GraphQLError[]) {
    super(errors[0]?.message ?? 'The subscription cannot be planned');
  }
}

export interface PlannerOptions {
  /** Plans kept, least recently used dropped first. @default 1000 */
  cacheSize?: number;
}

export class SubscriptionPlanner {
  /** The API schema as graphql-js sees it: validation, variables, demand control, introspection. */
  readonly apiSchema: GraphQLSchema;
  /** The API schema as the planner and executeQueryPlan see it. */
  readonly apiSchemaInternal: Schema;
  /** The supergraph as executeQueryPlan wants it (type conditions of entity fetches). */
  readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly cache = new Map<string, SubscriptionPlan>();
  private readonly cacheSize: number;

  /**
   * @param coreSupergraphSdl what `onSchemaLoadOrUpdate` hands over, the same SDL ApolloGateway plans with.
   * @param apiSchema the API schema ApolloGateway serves (with its extensions), for validation.
   */
  /** What this supergraph's `@authenticated` / `@requiresScopes` ask of a subscription's viewer (authz/). */
  readonly authorization: SchemaAuthorization;

  constructor(
    readonly coreSupergraphSdl: string,
    apiSchema: GraphQLSchema,
    options: PlannerOptions = {},
  ) {
    // Built as ApolloGateway builds its own (createSchemaFromSupergraphSdl, updateWithSchemaAndNotify), so the plans
    // are the ones it would make. Operations are read against the API schema, as the gateway's executor does.
    const supergraph = Supergraph.build(coreSupergraphSdl);
    this.apiSchema = apiSchema;
    this.apiSchemaInternal = supergraph.apiSchema();
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
    this.authorization = SchemaAuthorization.fromSupergraph(coreSupergraphSdl);
    this.cacheSize = options.cacheSize ?? 1000;
  }

  /** The plan of a validated subscription, from the cache when this (query text, operationName) was seen before. */
  plan(query: string, document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    const key = createHash('sha256')
      .update(query)
      .update('\0')
      .update(operationName ?? '')
      .digest('base64url');
    const cached = this.cache.get(key);
    if (cached) {
      // Map order is insertion order: re-inserting marks it as the most recently used.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const plan = this.build(key, document, operationName);
    this.cache.set(key, plan);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return plan;
  }

  private build(key: string, document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    // This path skips Apollo Server, which validates every other operation: validate here, as it would.
    const invalid = validate(this.apiSchema, document, specifiedRules);
    if (invalid.length) {
      throw new PlanningError(
        invalid.map(
          (e) => new GraphQLError(e.message, { extensions: { code: ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED } }),
        ),
      );
    }
    const operation = getOperationAST(document, operationName);
    if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) {
      throw new Error('SubscriptionPlanner.plan takes subscription operations only');
    }
    const queryPlan = this.planner.buildQueryPlan(
      operationFromDocument(this.apiSchemaInternal, document, { operationName }),
    );
    const node = queryPlan.node;
    if (node?.kind !== 'Subscription') {
      // Only introspection-only selections plan to nothing; a Subscription root has no such field.
      throw new Error(`A subscription planned to ${node?.kind ?? 'nothing'}`);
    }
    const { primary, rest } = node;
    const eventFetch: FetchNode = { ...primary, serviceName: EVENT_SERVICE };
    const root: PlanNode = rest ? { kind: 'Sequence', nodes: [eventFetch, rest] } : eventFetch;
    return {
      key,
      document,
      operation,
      operationContext: buildOperationContext({ schema: this.apiSchema, operationDocument: document, operationName }),
      primary,
      eventPlan: { kind: 'QueryPlan', node: root },
      hasRest: Boolean(rest),
    };
  }
}
