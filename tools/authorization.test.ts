/**
 * Authorization is denied by default: this walks every root field of every subgraph, calls it as an
 * anonymous viewer with made-up arguments, and expects UNAUTHENTICATED unless the field is marked
 * @public in the SDL. The list of public fields is written out here, so opening a field is a change a
 * reviewer sees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  execute,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  parse,
  type GraphQLArgument,
  type GraphQLInputType,
} from 'graphql';
import { ANONYMOUS, ROLES, type Viewer } from '../lib/auth/viewer.js';
import { createErrorFormatter } from '../lib/errors/index.js';
import { declaredRequirements, guardedRootFields, publicRootFields } from '../lib/subgraph/authorize.js';
import { buildSchema } from '../lib/subgraph/index.js';
import { loadSubgraphs } from './subgraphs.js';

// The subgraphs' own error formatter: codes as a client of the subgraph would see them; nothing may be masked.
const format = createErrorFormatter((err) => assert.fail(`masked: ${String(err)}`));

// Locker devices are not signed-in users: their mutations are public and authenticated by the device key in the
// service (subgraphs/locker/src/services/device-keys.service.ts).
const EXPECTED_PUBLIC = [
  'locker: Mutation.ackLockerCommand',
  'locker: Mutation.reportLockerEvent',
  'locker: Mutation.reportLockerState',
  'locker: Query.lockerCommands',
  'user: Mutation.refreshToken',
  'user: Mutation.signIn',
  'user: Mutation.signUp',
  'user: Query.me',
];

/** A GraphQL literal of the right type for a required argument; the value itself never matters here. */
function literal(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(type.ofType);
  if (isListType(type)) return `[${literal(type.ofType)}]`;
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0]!.name;
  if (isInputObjectType(named)) {
    const required = Object.values(named.getFields()).filter(
      (f) => isNonNullType(f.type) && f.defaultValue === undefined,
    );
    return `{ ${required.map((f) => `${f.name}: ${literal(f.type)}`).join(', ')} }`;
  }
  if (isScalarType(named) && ['Int', 'Float'].includes(named.name)) return '1';
  if (isScalarType(named) && named.name === 'Boolean') return 'true';
  return '"0190f000-0000-7000-8000-000000000000"';
}

const args = (list: readonly GraphQLArgument[]) => {
  const required = list.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  return required.length ? `(${required.map((a) => `${a.name}: ${literal(a.type)}`).join(', ')})` : '';
};

test('every root field of every subgraph refuses anonymous callers unless it is @public', async () => {
  const publicFields: string[] = [];
  let checked = 0;
  for (const def of await loadSubgraphs()) {
    const schema = buildSchema(def);
    publicFields.push(...publicRootFields(schema).map((f) => `${def.name}: ${f}`));
    for (const { type, field } of guardedRootFields(schema)) {
      const operation =
        type === schema.getQueryType() ? 'query' : type === schema.getMutationType() ? 'mutation' : 'subscription';
      const selection =
        isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type)) ? '' : ' { __typename }';
      const document = parse(`${operation} { ${field.name}${args(field.args)}${selection} }`);
      // The context has a viewer and nothing else: a resolver that ran past the check would fail differently.
      const result = await execute({ schema, document, contextValue: { viewer: ANONYMOUS } });
      const codes = (result.errors ?? []).map((e) => format(e.toJSON(), e).extensions?.code);
      assert.deepEqual(
        codes,
        ['UNAUTHENTICATED'],
        `${def.name}: ${type.name}.${field.name} must refuse anonymous callers`,
      );
      checked++;
    }
  }
  assert.deepEqual(publicFields.sort(), EXPECTED_PUBLIC);
  assert.ok(checked >= 12, `walked ${checked} guarded root fields`);
});

const rootOperation = (schema: ReturnType<typeof buildSchema>, typeName: string) =>
  typeName === schema.getQueryType()?.name
    ? 'query'
    : typeName === schema.getMutationType()?.name
      ? 'mutation'
      : 'subscription';

test('every root field says who may call it: @public, or @authenticated / @requiresScopes (what the gateway reads)', async () => {
  const unsaid: string[] = [];
  const both: string[] = [];
  for (const def of await loadSubgraphs()) {
    const schema = buildSchema(def);
    const declared = new Set(declaredRequirements(schema).map(({ type, field }) => `${type.name}.${field.name}`));
    const open = new Set(publicRootFields(schema));
    for (const { type, field } of guardedRootFields(schema)) {
      if (!declared.has(`${type.name}.${field.name}`)) unsaid.push(`${def.name}: ${type.name}.${field.name}`);
    }
    for (const coordinate of open) if (declared.has(coordinate)) both.push(`${def.name}: ${coordinate}`);
  }
  assert.deepEqual(unsaid, [], 'root fields the supergraph would show as open');
  assert.deepEqual(both, [], '@public fields that also ask for a viewer');
});

test('a field that requires scopes refuses a signed-in viewer without them (FORBIDDEN) before its resolver runs', async () => {
  let checked = 0;
  for (const def of await loadSubgraphs()) {
    const schema = buildSchema(def);
    for (const { type, field, requirement } of declaredRequirements(schema)) {
      const allowed = new Set(requirement.scopes.filter((all) => all.length === 1).map(([scope]) => scope));
      const outsider = ROLES.find((role) => !allowed.has(role));
      if (requirement.scopes.length === 0 || !outsider) continue;
      if (![schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(type)) continue;
      const selection =
        isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type)) ? '' : ' { __typename }';
      const document = parse(`${rootOperation(schema, type.name)} { ${field.name}${args(field.args)}${selection} }`);
      const viewer: Viewer = {
        kind: 'user',
        userId: '0190f000-0000-7000-8000-000000000009',
        role: outsider,
        hubId: null,
        firmId: null,
        sessionId: null,
        tokenVersion: 0,
      };
      const result = await execute({ schema, document, contextValue: { viewer } });
      const codes = (result.errors ?? []).map((e) => format(e.toJSON(), e).extensions?.code);
      assert.deepEqual(codes, ['FORBIDDEN'], `${def.name}: ${type.name}.${field.name} as ${outsider}`);
      checked++;
    }
  }
  assert.ok(checked >= 10, `walked ${checked} fields that require scopes`);
});
