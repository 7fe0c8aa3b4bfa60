/** Authorization from the supergraph (gateway/src/authz): what the composed schema declares, checked per operation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import type { AuthenticatedViewer, Role, Viewer } from '../../lib/auth/viewer.js';
import { ANONYMOUS } from '../../lib/auth/viewer.js';
import { SchemaAuthorization, enforceableSupergraph } from '../src/authz/index.js';

const raw = await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
const sdl = enforceableSupergraph(raw);
const apiSchema = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
const authorization = SchemaAuthorization.fromSupergraph(sdl);

const as = (role: Role): Viewer => ({
  kind: 'user',
  userId: '0190f000-0000-7000-8000-000000000009',
  role,
  hubId: null,
  firmId: null,
  sessionId: null,
  tokenVersion: 0,
});
const check = (query: string, viewer: Viewer) => {
  const refused = authorization.check(parse(query), apiSchema, viewer);
  return (
    refused && { code: refused.extensions.code, fields: refused.extensions.fields, status: refused.extensions.http }
  );
};

test('@apollo/gateway refuses the composed supergraph as is, and takes it once the enforced features are plain links', () => {
  assert.throws(() => Supergraph.build(raw), /is for: SECURITY but is unsupported/);
  assert.doesNotThrow(() => Supergraph.build(sdl));
  assert.doesNotMatch(sdl, /for: SECURITY/);
  assert.ok(authorization.size >= 30, `${authorization.size} fields declare a requirement`);
});

test('an anonymous viewer selecting a guarded field is refused whole: UNAUTHENTICATED, 401', () => {
  assert.deepEqual(check('{ me { id } hubs { id } }', ANONYMOUS), {
    code: 'UNAUTHENTICATED',
    fields: ['Query.hubs'],
    status: { status: 401 },
  });
  assert.equal(check('{ me { id } }', ANONYMOUS), null, '@public fields stay open');
  assert.equal(check('mutation { signIn(username: "a", password: "b") { accessToken } }', ANONYMOUS), null);
});

test('a signed-in viewer without the scopes gets FORBIDDEN naming each field; one with them runs', () => {
  const query = 'query { users { id } hubs { id } } ';
  assert.deepEqual(check(query, as('MEMBER')), { code: 'FORBIDDEN', fields: ['Query.users'], status: { status: 403 } });
  assert.equal(check(query, as('MASTER')), null);
  assert.equal(check('{ hubs { id } }', as('MEMBER')), null, '@authenticated needs a viewer, any role');
});

test('scopes are an OR of ANDs: any listed role opens staffOpenCompartment, others do not', () => {
  const open = 'mutation { staffOpenCompartment(lockerId: "l", index: 1) { index } }';
  for (const role of ['MASTER', 'HUB_MANAGER', 'DELIVERY_MANAGER'] as const) assert.equal(check(open, as(role)), null);
  for (const role of ['FIRM_MANAGER', 'MEMBER'] as const) assert.equal(check(open, as(role))?.code, 'FORBIDDEN');
});

test('fields selected through fragments and inline fragments are checked too', () => {
  const viaFragment = 'query { ...Admin } fragment Admin on Query { user(id: "u") { id } }';
  assert.deepEqual(check(viaFragment, as('HUB_MANAGER'))?.fields, ['Query.user']);
  const inline = 'mutation { ... on Mutation { setUserStatus(userId: "u", status: DISABLED) { id } } }';
  assert.deepEqual(check(inline, as('FIRM_MANAGER'))?.fields, ['Mutation.setUserStatus']);
});

test('@policy from any supergraph: named rules on the viewer, an unknown name refused (closed)', () => {
  const sdl = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@policy"])
    type Query {
      shift: String @policy(policies: [["hub-staff"]])
      either: String @policy(policies: [["hub-staff"], ["firm-manager"]])
      secret: String @policy(policies: [["no-such-policy"]])
    }`;
  const composed = composeServices([{ name: 'shifts', url: 'http://127.0.0.1:1/graphql', typeDefs: parse(sdl) }]);
  assert.ok(composed.supergraphSdl, JSON.stringify(composed.errors));
  assert.match(composed.supergraphSdl, /policy\/v0\.1", for: SECURITY/);
  const supergraph = enforceableSupergraph(composed.supergraphSdl);
  const schema = Supergraph.build(supergraph).apiSchema().toGraphQLJSSchema();
  const policies = SchemaAuthorization.fromSupergraph(supergraph);
  const run = (query: string, viewer: Viewer) => policies.check(parse(query), schema, viewer)?.extensions.code ?? null;
  const hubManager = { ...(as('HUB_MANAGER') as AuthenticatedViewer), hubId: 'hub-1' };
  const firmManager = { ...(as('FIRM_MANAGER') as AuthenticatedViewer), firmId: 'firm-1' };
  assert.equal(run('{ shift }', hubManager), null);
  assert.equal(run('{ shift }', as('HUB_MANAGER')), 'FORBIDDEN', 'a hub manager of no hub is no hub staff');
  assert.equal(run('{ shift }', as('MASTER')), 'FORBIDDEN', 'a policy is not a role');
  assert.equal(run('{ shift }', ANONYMOUS), 'UNAUTHENTICATED');
  assert.equal(run('{ either }', firmManager), null);
  assert.equal(run('{ secret }', hubManager), 'FORBIDDEN', 'an unknown policy refuses everyone');
});
