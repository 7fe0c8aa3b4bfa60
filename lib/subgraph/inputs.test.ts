import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, execute, parse } from 'graphql';
import { createErrorFormatter } from '../errors/index.js';
import { MAX_TEXT_LENGTH, checkInputsAtTheEdge } from './inputs.js';

// What a client of the subgraph sees: the subgraph's own formatter; nothing may be masked.
const format = createErrorFormatter((err) => assert.fail(`masked: ${String(err)}`));

const schema = checkInputsAtTheEdge(
  buildSchema(`
    input Profile { name: String! tags: [String!] hubId: ID }
    type Query {
      echo(text: String, id: ID, profile: Profile, count: Int): String
      plain(count: Int): Int
    }
  `),
);
const calls: unknown[] = [];
const rootValue = {
  echo: (args: unknown) => (calls.push(args), 'ok'),
  plain: ({ count }: { count: number }) => count,
};

async function run(args: string, variables: Record<string, unknown> = {}) {
  const result = await execute({
    schema,
    document: parse(`query($t: String, $p: Profile) { echo${args} }`),
    rootValue,
    variableValues: variables,
  });
  const error = result.errors?.[0];
  return error ? format(error.toJSON(), error).extensions : { ...result.data };
}

test('clean text, ids and nested inputs pass through to the resolver', async () => {
  calls.length = 0;
  assert.deepEqual(
    await run('(text: "tab\\tnew\\nline 한글 😀", id: "0190f000-0000-7000-8000-000100000001", count: 3)'),
    { echo: 'ok' },
  );
  assert.deepEqual(
    await run('(profile: $p)', { p: { name: 'Kim', tags: ['a', 'b'], hubId: '018f3d6c-9a10-7c11-b2a1-e3b893f00101' } }),
    { echo: 'ok' },
  );
  assert.equal(calls.length, 2);
});

test('control characters, lone surrogates, bidi overrides and oversized text are BAD_USER_INPUT naming the field', async () => {
  calls.length = 0;
  const cases: [string, Record<string, unknown>, string][] = [
    ['(text: $t)', { t: 'nul\u0000byte' }, 'text'],
    ['(text: $t)', { t: 'bell\u0007' }, 'text'],
    ['(text: $t)', { t: 'c1\u0085control' }, 'text'],
    ['(text: $t)', { t: 'lone \uD800 high' }, 'text'],
    ['(text: $t)', { t: 'lone \uDC00 low' }, 'text'],
    ['(text: $t)', { t: 'invoice\u202Egnp.exe' }, 'text'],
    ['(text: $t)', { t: 'isolate\u2066x\u2069' }, 'text'],
    ['(text: $t)', { t: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, 'text'],
    ['(profile: $p)', { p: { name: 'ok', tags: ['fine', 'bad\u0000'] } }, 'tags'],
    ['(profile: $p)', { p: { name: 'Kim\u0000' } }, 'name'],
    ['(profile: $p)', { p: { name: 'Kim', hubId: 'x'.repeat(100_000) } }, 'hubId'],
    ['(id: "not-a-uuid")', {}, 'id'],
  ];
  for (const [args, variables, field] of cases) {
    assert.deepEqual(
      await run(args, variables),
      { code: 'BAD_USER_INPUT', field },
      `${args} ${JSON.stringify(variables).slice(0, 60)}`,
    );
  }
  assert.equal(calls.length, 0, 'no resolver ran');
});

test('fields without text arguments are left alone', async () => {
  const result = await execute({ schema, document: parse('{ plain(count: 2) }'), rootValue });
  assert.deepEqual({ ...result.data }, { plain: 2 });
});
