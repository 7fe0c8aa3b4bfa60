/**
 * The trusted-documents extractor: what it finds in code (.graphql files, gql/graphql tags, `/* GraphQL *\/`
 * strings), what it refuses (interpolations, invalid documents) or skips (type definitions, fragments only), and a
 * manifest the gateway loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { print, parse } from 'graphql';
import { documentHash, loadManifest } from '../gateway/src/documents/index.js';
import { apiSchemaOf, buildManifest, extractDocuments, findDocuments } from './extract-documents.js';
import { SUPERGRAPH_PATH } from './supergraph.js';

const schema = apiSchemaOf(await readFile(SUPERGRAPH_PATH, 'utf8'));

const SOURCE = [
  "import { gql } from 'graphql-tag';",
  'export const HUBS = gql`query Hubs { hubs { id name } }`;',
  'const ME = graphql(`query Me { me { id } }`);',
  'export const FIVE = /* GraphQL */ `',
  '  query Firms { firms { id } }',
  '`;',
  'const url = `${base}/graphql`; // not a document',
  'const typeDefs = gql`type Query { x: Int }`;',
  'const dynamic = gql`query Dyn { hubs { ...${FRAGMENT} } }`;',
].join('\n');

test('finds tagged templates and /* GraphQL */ strings, with where they start; interpolations are a problem', () => {
  const found = findDocuments('client/app.ts', SOURCE);
  assert.deepEqual(
    found.map((d) => [d.where, d.text.trim(), d.problem !== undefined]),
    [
      ['client/app.ts:2', 'query Hubs { hubs { id name } }', false],
      ['client/app.ts:4', 'query Firms { firms { id } }', false],
      ['client/app.ts:8', 'type Query { x: Int }', false],
      ['client/app.ts:9', 'query Dyn { hubs { ...${FRAGMENT} } }', true],
    ],
  );
  // graphql(`…`) is a call, not a tag: GraphQL Codegen's client preset handles those from .graphql or gql tags.
  assert.deepEqual(findDocuments('ops/me.graphql', 'query Me { me { id } }\n'), [
    { where: 'ops/me.graphql:1', text: 'query Me { me { id } }\n' },
  ]);
  assert.deepEqual(findDocuments('notes.md', SOURCE), []);
});

test('each valid operation is written as written and as printed; type definitions and fragments are skipped', () => {
  const text = '\n  query Hubs { hubs { id name } }\n';
  const { manifest, errors, skipped } = buildManifest(
    [
      { where: 'a.ts:1', text },
      { where: 'b.ts:1', text: 'type Query { x: Int }' },
      { where: 'c.graphql:1', text: 'fragment F on Hub { id }' },
    ],
    schema,
  );
  assert.deepEqual(errors, []);
  assert.equal(skipped.length, 2);
  const printed = print(parse(text));
  assert.deepEqual(
    manifest,
    Object.fromEntries(
      [
        [documentHash(text), text],
        [documentHash(printed), printed],
      ].sort(),
    ),
  );
});

test('an invalid document (unknown field, syntax, interpolation) fails the run with where it is', () => {
  const { errors } = buildManifest(
    [
      { where: 'a.ts:3', text: 'query { hubs { nope } }' },
      { where: 'b.ts:7', text: 'query {' },
      { where: 'c.ts:9', text: 'x', problem: 'holds ${…} interpolations' },
    ],
    schema,
  );
  assert.equal(errors.length, 3);
  assert.match(errors[0]!, /^a\.ts:3: Cannot query field "nope" on type "Hub"/);
  assert.match(errors[1]!, /^b\.ts:7: Syntax Error/);
  assert.match(errors[2]!, /^c\.ts:9: holds/);
});

test('writes a manifest the gateway loads; writes nothing when a document is invalid', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-extract-'));
  try {
    await mkdir(path.join(dir, 'src', 'node_modules'), { recursive: true });
    await writeFile(
      path.join(dir, 'src', 'queries.ts'),
      'export const Q = /* GraphQL */ `query Hubs { hubs { id } }`;\n',
    );
    await writeFile(path.join(dir, 'src', 'me.graphql'), 'query Me { me { id } }\n');
    await writeFile(path.join(dir, 'src', 'node_modules', 'x.graphql'), 'query { nope }');
    const out = path.join(dir, 'out', 'trusted-documents.json');
    const result = await extractDocuments({ paths: [path.join(dir, 'src')], out, schemaPath: SUPERGRAPH_PATH });
    assert.deepEqual(result.errors, []);
    const manifest = await loadManifest(out);
    assert.ok(manifest.has(documentHash('query Hubs { hubs { id } }')));
    assert.ok(manifest.has(documentHash('query Me { me { id } }\n')));

    await writeFile(path.join(dir, 'src', 'bad.graphql'), 'query Bad { hubs { nope } }');
    const bad = path.join(dir, 'out', 'bad.json');
    const failed = await extractDocuments({ paths: [path.join(dir, 'src')], out: bad, schemaPath: SUPERGRAPH_PATH });
    assert.equal(failed.errors.length, 1);
    await assert.rejects(readFile(bad));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the repository's own client documents (e2e/, bench/) are valid", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-extract-'));
  try {
    const root = path.dirname(SUPERGRAPH_PATH);
    const result = await extractDocuments({
      paths: [path.join(root, '../e2e'), path.join(root, '../bench')],
      out: path.join(dir, 'manifest.json'),
      schemaPath: SUPERGRAPH_PATH,
    });
    assert.deepEqual(result.errors, []);
    assert.ok(Object.keys(result.manifest).length >= 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
