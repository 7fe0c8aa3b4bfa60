/**
 * Demand control's core, free of any transport: measures a parsed document against the limits before anything
 * else spends work on it. HTTP calls it before Apollo's parse and validation (graphql-js's validation of a
 * document made of hundreds of aliases or duplicated fields costs ~100 ms); graphql-ws and SSE will call it on a
 * subscription's document the same way.
 *
 * Depth, aliases and root fields are counted in one pass over the document with each fragment measured once, so
 * the pass is linear in the document even when fragments spread each other exponentially, and ends on fragment
 * cycles. They are held for every operation in the document, not only the one that runs, because Apollo
 * validates the whole document. The cost is estimated with graphql-query-complexity for the operation that runs.
 */
import {
  GraphQLError,
  Kind,
  isListType,
  isNamedType,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../../../lib/errors/index.js';
import { limitError, requestError } from './errors.js';
import { DEFAULT_LIMITS, type GatewayLimits } from './options.js';

export interface DemandRequest {
  document: DocumentNode;
  operationName?: string | null;
  /** The request's variables: they decide `@skip` / `@include` and `first` / `last` / `limit`, hence the cost. */
  variables?: Record<string, unknown> | null;
}

export interface DemandMetrics {
  /** The deepest operation's nesting; `{ hubs { name } }` is 2. Past 500 nested selection sets, a lower bound. */
  depth: number;
  /** The most aliases any operation uses, fragments expanded. */
  aliases: number;
  /** The most root fields any operation selects, fragments expanded. */
  rootFields: number;
  /** The estimated cost of the operation that runs; absent when it was not estimated (another limit failed first). */
  cost?: number;
}

export interface DemandReport {
  /** The operation that would run, when the document and operationName name one. */
  operation?: OperationDefinitionNode;
  metrics: DemandMetrics;
  /** Empty when the operation may run; otherwise every refusal found, each with its own code. */
  errors: GraphQLError[];
}

/** Fields whose subtrees resolve from the gateway's own schema; see GatewayLimits.maxDepth. */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);
/** Arguments that say how many items a list field returns. */
const SLICING_ARGUMENTS = ['first', 'last', 'limit'];
/**
 * graphql-query-complexity walks a fragment again at every spread, ~1.5 µs a selection; an operation that expands
 * to more selections than this is refused without being estimated. The standard introspection query expands to
 * 239, ALL_FIVE_QUERY to 25.
 */
const MAX_COSTED_SELECTIONS = 5_000;
/**
 * Selection sets nested on one path, fields, inline fragments and fragment spreads alike. graphql-js's parser and
 * validation, the cost library and this walk all recurse once per level: a few thousand levels exhaust the stack.
 * Apollo's Rust parser (apollo-parser, used by the Router) stops at the same 500.
 */
const MAX_NESTING = 500;

const tooNested = () =>
  limitError(ErrorCode.QUERY_TOO_DEEP, `Selections nest more than ${MAX_NESTING} levels deep`, MAX_NESTING);

/**
 * Parses with the token cap, so that a huge document is refused while parsing (TOO_MANY_TOKENS). Nesting deep
 * enough to exhaust the parser's stack is QUERY_TOO_DEEP, with the same limit at which checkDemand stops walking
 * shallower nesting. Syntax errors are thrown as graphql-js reports them, without a code, for the caller to pass
 * on (Apollo reports them as GRAPHQL_PARSE_FAILED).
 */
export function parseDocument(source: string, limits: Pick<GatewayLimits, 'maxTokens'> = DEFAULT_LIMITS) {
  const { maxTokens } = limits;
  try {
    return parse(source, { noLocation: true, maxLexicalTokens: maxTokens, maxComments: maxTokens });
  } catch (error) {
    // graphql-js words its caps "Document contains more than N tokens|comments. Parsing aborted."
    if (error instanceof GraphQLError && error.message.endsWith('Parsing aborted.')) {
      throw limitError(ErrorCode.TOO_MANY_TOKENS, `The document holds more than ${maxTokens} tokens`, maxTokens);
    }
    if (error instanceof RangeError) throw tooNested();
    throw error;
  }
}

/** The operation a request runs, chosen as graphql-js's getOperationAST chooses it. */
function resolveOperation(document: DocumentNode, operationName?: string | null) {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const failure = (message: string) => requestError(ErrorCode.OPERATION_RESOLUTION_FAILURE, message);
  if (operationName != null) {
    return (
      operations.find((op) => op.name?.value === operationName) ??
      failure(`Unknown operation named "${operationName}".`)
    );
  }
  if (operations.length === 1) return operations[0]!;
  return failure(
    operations.length
      ? 'Must provide operation name if query contains multiple operations.'
      : 'Must provide an operation.',
  );
}

/**
 * Measures a request against the limits. Cheap limits come first and the cost is estimated only when they hold,
 * so an attack is refused in time linear in its document. Besides the limits, only an operation that cannot be
 * resolved is reported. Other errors (a variable of the wrong type, an unknown field) are left to Apollo's
 * validation and execution, which refuse such a request before executing it: a cost that could not be estimated
 * for that reason is no way around the limit.
 */
export function checkDemand(
  schema: GraphQLSchema,
  request: DemandRequest,
  limits: GatewayLimits = DEFAULT_LIMITS,
): DemandReport {
  const { document, operationName, variables } = request;
  const shapes = measureOperations(document);
  const all = [...shapes.values()];
  const metrics: DemandMetrics = {
    depth: Math.max(0, ...all.map((s) => s.depth)),
    aliases: Math.max(0, ...all.map((s) => s.aliases)),
    rootFields: Math.max(0, ...all.map((s) => s.fields)),
  };
  const resolved = resolveOperation(document, operationName);
  const operation = resolved instanceof GraphQLError ? undefined : resolved;
  const errors = [
    ...(resolved instanceof GraphQLError ? [resolved] : []),
    ...(all.some((s) => s.truncated)
      ? [tooNested()]
      : exceeds(ErrorCode.QUERY_TOO_DEEP, metrics.depth, limits.maxDepth, 'Fields nest %d levels deep')),
    ...exceeds(ErrorCode.TOO_MANY_ALIASES, metrics.aliases, limits.maxAliases, 'An operation uses %d aliases'),
    ...exceeds(
      ErrorCode.TOO_MANY_ROOT_FIELDS,
      metrics.rootFields,
      limits.maxRootFields,
      'An operation selects %d root fields',
    ),
  ];
  if (errors.length || !operation || limits.maxCost === Infinity) return { operation, metrics, errors };

  const selections = shapes.get(operation)!.selections;
  if (selections > MAX_COSTED_SELECTIONS) {
    const message = `The operation expands to ${selections} selections, too many to estimate its cost`;
    errors.push(limitError(ErrorCode.QUERY_TOO_COMPLEX, message, limits.maxCost));
    return { operation, metrics, errors };
  }
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  try {
    metrics.cost = getComplexity({
      schema,
      // Only the operation that runs: the library would otherwise add up every operation in the document.
      query: { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] },
      variables: variables ?? undefined,
      estimators: [fieldCost(limits.listSize)],
      maxQueryNodes: selections + 1,
    });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { operation, metrics, errors };
  }
  errors.push(
    ...exceeds(ErrorCode.QUERY_TOO_COMPLEX, metrics.cost, limits.maxCost, "The operation's estimated cost is %d"),
  );
  return { operation, metrics, errors };
}

/** The refusal, if any, of `actual` against `limit`; `what` says what was measured, `%d` standing for `actual`. */
const exceeds = (code: ErrorCode, actual: number, limit: number, what: string) =>
  actual > limit
    ? [limitError(code, `${what.replace('%d', String(actual))}; the limit is ${limit}`, limit, actual)]
    : [];

/**
 * The cost model: every field costs 1 plus its children; a list field multiplies that by the items it is assumed
 * to return (its slicing argument, or `listSize`), once per list level. Leaves cost 1 too, so duplicating fields
 * is never free. Introspection costs nothing: it resolves from the gateway's own schema.
 */
function fieldCost(listSize: number): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    if (INTROSPECTION_ROOTS.has(field.name) || type.name.startsWith('__')) return 0;
    return listFactor(field.type, sliceSize(args), listSize) * (1 + childComplexity);
  };
}

function listFactor(type: GraphQLOutputType, slice: number | undefined, listSize: number): number {
  let factor = 1;
  for (let t = type; !isNamedType(t); t = t.ofType) {
    if (!isListType(t)) continue;
    // A slicing argument sizes the outermost list; lists inside it hold the assumed size.
    factor *= slice ?? listSize;
    slice = undefined;
  }
  return factor;
}

function sliceSize(args: Record<string, unknown>): number | undefined {
  const sizes = SLICING_ARGUMENTS.map((name) => args[name]).filter((v): v is number => typeof v === 'number' && v >= 0);
  return sizes.length ? Math.max(...sizes) : undefined;
}

/** What a selection set adds up to, its fragments expanded. */
interface Shape {
  /** Levels of fields below and including this set. */
  depth: number;
  aliases: number;
  /** Fields directly in this set (through fragments): an operation's root fields. */
  fields: number;
  /** Every selection (field, fragment spread, inline fragment) a full expansion visits. */
  selections: number;
  /** Selection sets on the longest path down from this one, itself included, whatever opens them. */
  nesting: number;
  /** The walk stopped at MAX_NESTING somewhere below: the other figures are lower bounds. */
  truncated: boolean;
}

const NOTHING: Shape = { depth: 0, aliases: 0, fields: 0, selections: 0, nesting: 0, truncated: false };
const TRUNCATED: Shape = { ...NOTHING, truncated: true };

function measureOperations(document: DocumentNode): Map<OperationDefinitionNode, Shape> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const measured = new Map<string, Shape>();
  const inProgress = new Set<string>();

  /** The fragment's selection set, placed at `level`. */
  const spread = (name: string, level: number): Shape => {
    const known = measured.get(name);
    // Measured once, where it was first spread; spread deeper, its nesting may pass the bound there.
    if (known) return level + known.nesting - 1 > MAX_NESTING ? { ...known, truncated: true } : known;
    const fragment = fragments.get(name);
    // An unknown fragment or a cycle (both refused by validation) adds nothing; measuring stops there.
    if (!fragment || inProgress.has(name)) return NOTHING;
    inProgress.add(name);
    const shape = measure(fragment.selectionSet, level);
    inProgress.delete(name);
    measured.set(name, shape);
    return shape;
  };

  /** A selection set `level` sets deep (an operation's own is 1). */
  const measure = (set: SelectionSetNode, level: number): Shape => {
    if (level > MAX_NESTING) return TRUNCATED;
    const shape = { ...NOTHING };
    for (const selection of set.selections) {
      let inner = NOTHING;
      if (selection.kind === Kind.FRAGMENT_SPREAD) inner = spread(selection.name.value, level + 1);
      else if (selection.selectionSet) inner = measure(selection.selectionSet, level + 1);
      shape.aliases += inner.aliases;
      shape.selections += 1 + inner.selections;
      shape.nesting = Math.max(shape.nesting, inner.nesting);
      shape.truncated ||= inner.truncated;
      if (selection.kind === Kind.FIELD) {
        const depth = INTROSPECTION_ROOTS.has(selection.name.value) ? 1 : 1 + inner.depth;
        shape.depth = Math.max(shape.depth, depth);
        shape.aliases += selection.alias ? 1 : 0;
        shape.fields += 1;
      } else {
        shape.depth = Math.max(shape.depth, inner.depth);
        shape.fields += inner.fields;
      }
    }
    shape.nesting += 1;
    return shape;
  };

  const shapes = new Map<OperationDefinitionNode, Shape>();
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) shapes.set(d, measure(d.selectionSet, 1));
  }
  return shapes;
}
