import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { createErrorFormatter, DomainError, ErrorCode } from './index.js';

test('coded domain errors reach clients with their code; internal errors are masked and logged', () => {
  const logged: unknown[] = [];
  const format = createErrorFormatter((e) => logged.push(e));
  const domain = format(
    { message: 'x' },
    new GraphQLError('x', { originalError: new DomainError(ErrorCode.OUT_OF_STOCK, 'Only 2 left', { available: 2 }) }),
  );
  assert.deepEqual(domain.extensions, { code: 'OUT_OF_STOCK', available: 2 });
  assert.equal(domain.message, 'Only 2 left');

  const secret = new Error("ER_NO_SUCH_TABLE: Table 'hubgraph_user.users' doesn't exist");
  const masked = format(
    { message: secret.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    new GraphQLError(secret.message, { originalError: secret }),
  );
  assert.equal(masked.message, 'Internal server error');
  assert.equal(masked.extensions?.code, 'INTERNAL_SERVER_ERROR');
  assert.deepEqual(logged, [secret]);
});

test('GraphQL errors raised on purpose with a code pass through', () => {
  const format = createErrorFormatter(() => assert.fail('nothing to mask'));
  const err = new GraphQLError('Syntax Error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  assert.equal(
    format({ message: err.message, extensions: err.extensions }, err).extensions?.code,
    'GRAPHQL_PARSE_FAILED',
  );
});

test('a failed subgraph fetch keeps its code but not its internal response details', () => {
  const format = createErrorFormatter(() => assert.fail('nothing to mask'));
  const err = new GraphQLError('401: Unauthorized', {
    extensions: { code: 'UNAUTHENTICATED', response: { url: 'http://10.0.0.5:4003/graphql', status: 401, body: {} } },
  });
  assert.deepEqual(format({ message: err.message, extensions: err.extensions }, err).extensions, {
    code: 'UNAUTHENTICATED',
  });
});
