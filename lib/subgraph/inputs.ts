/**
 * Input hygiene at the edge: every String and ID argument of every field (inside input objects and lists too)
 * is checked before its resolver runs, so bad text never reaches a service or a database and the same limits
 * hold on SQLite and MariaDB (which otherwise disagree: one stores a NUL byte, the other fails on it).
 * - text must be well-formed Unicode without control characters (tab, newline and carriage return allowed)
 *   and without bidirectional overrides or isolates, which can make displayed text lie about its content;
 * - ids must be UUIDs (every id this platform issues is one);
 * - text is at most MAX_TEXT_LENGTH characters; domain rules set tighter limits per field.
 * A violation is BAD_USER_INPUT with `field` naming the argument (the innermost input field).
 */
import {
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { badInput } from '../errors/index.js';

/** @default 4000 characters: longer than any field's own rule, short enough to bound every log and query. */
export const MAX_TEXT_LENGTH = 4000;

// C0 controls but \t \n \r, DEL, C1 controls; bidi embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws BAD_USER_INPUT (a DomainError) when `value` is not acceptable text. */
export function assertCleanText(value: string, field: string): void {
  if (value.length > MAX_TEXT_LENGTH) throw badInput(`${field} must be at most ${MAX_TEXT_LENGTH} characters`, field);
  if (LONE_SURROGATE.test(value)) throw badInput(`${field} contains an unpaired surrogate (malformed Unicode)`, field);
  if (FORBIDDEN_CHARACTERS.test(value)) {
    throw badInput(`${field} contains a control or bidirectional-override character`, field);
  }
}

export function assertId(value: string, field: string): void {
  if (!UUID.test(value)) throw badInput(`${field} must be an id (a UUID)`, field);
}

/** Checks one argument value against its GraphQL type, recursing into lists and input objects. */
function check(type: GraphQLInputType, value: unknown, field: string): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (Array.isArray(value)) for (const item of value) check(nullable.ofType, item, field);
    return;
  }
  if (isInputObjectType(nullable)) {
    for (const [name, def] of Object.entries(nullable.getFields())) {
      check(def.type, (value as Record<string, unknown>)[name], name);
    }
    return;
  }
  if (typeof value !== 'string') return;
  const name = getNamedType(nullable).name;
  if (name === 'ID') assertId(value, field);
  else if (name === 'String') assertCleanText(value, field);
}

/** Whether any argument can carry text (so the field needs the check at all). */
function carriesText(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === 'ID' || named.name === 'String') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => carriesText(f.type, seen));
}

/**
 * Wraps every field whose arguments can carry text with the checks above. Federation's `_entities` is left
 * alone: its representations come from the gateway's own plan, not from a client. Mutates `schema`.
 */
export function checkInputsAtTheEdge(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.name === '_entities') continue;
      const textArgs: GraphQLArgument[] = field.args.filter((a) => carriesText(a.type));
      if (textArgs.length === 0) continue;
      // A DomainError thrown here is formatted like one thrown by the resolver (code and field, HTTP 200).
      const checkArgs = (args: Record<string, unknown>) => {
        for (const arg of textArgs) check(arg.type, args[arg.name], arg.name);
      };
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args: Record<string, unknown>, context, info) => {
        checkArgs(args);
        return resolve(source, args, context, info);
      };
      const subscribe = field.subscribe;
      if (subscribe) {
        field.subscribe = (source, args: Record<string, unknown>, context, info) => {
          checkArgs(args);
          return subscribe(source, args, context, info);
        };
      }
    }
  }
  return schema;
}
