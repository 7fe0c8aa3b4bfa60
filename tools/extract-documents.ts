/**
 * Writes the trusted-documents manifest (TRUSTED_DOCUMENTS; docs/adr/0006-persisted-documents-and-rate-limits.md)
 * from client code: `.graphql` / `.gql` files, `gql` and `graphql` tagged templates, and template strings marked
 * `/* GraphQL *\/`. Each document is checked against the supergraph's API schema; an invalid one fails the run.
 *
 *   npm run documents:extract -- [paths…] [--out file] [--schema supergraph.graphql]
 *
 * Paths default to e2e/ and bench/ (the repository's clients); the manifest defaults to schema/trusted-documents.json.
 *
 * The format is GraphQL Codegen's client preset `persisted-documents.json`: `{ "<sha256 hex>": "<document>" }`.
 * A hash names an exact text, so each document is written twice when the two differ: as it stands in the code (what
 * a client sends when it posts that string) and as graphql-js prints it (what a client sends for a parsed `gql`
 * document, e.g. Apollo Client without its `__typename` additions; with them, generate Apollo's own manifest with
 * @apollo/generate-persisted-query-manifest, which the gateway reads too). Type definitions (SDL in `gql` tags of
 * tests) are not operations and are skipped, as are fragment-only documents; templates with `${…}` cannot be read
 * without running the code and fail the run.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, print, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { documentHash } from '../gateway/src/documents/hash.js';
import { ROOT, SUPERGRAPH_PATH } from './supergraph.js';

/** A document found in the code. */
export interface FoundDocument {
  /** `file:line` where it starts. */
  where: string;
  /** The text as written (a template's cooked value). */
  text: string;
  /** Why it cannot be extracted, if it cannot. */
  problem?: string;
}

const SOURCE_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);
const DOCUMENT_EXTENSIONS = new Set(['.graphql', '.gql']);
const SKIPPED_DIRS = new Set(['node_modules', '__generated__', 'dist', 'coverage']);
/**
 * `gql` / `graphql` tags where an expression starts (not `x.graphql`, not `${url}/graphql\``), and `/* GraphQL *\/`
 * markers, before a template.
 */
const TEMPLATE = /(?:(?<=^|[\s(=,:[{;!&|?>])(?:gql|graphql)\s*|\/\*\s*GraphQL\s*\*\/\s*)`((?:[^`\\]|\\[\s\S])*)`/gm;

/** The documents in one file's text. */
export function findDocuments(file: string, source: string): FoundDocument[] {
  const extension = path.extname(file);
  if (DOCUMENT_EXTENSIONS.has(extension)) return source.trim() ? [{ where: `${file}:1`, text: source }] : [];
  if (!SOURCE_EXTENSIONS.has(extension) || file.endsWith('.d.ts')) return [];
  const found: FoundDocument[] = [];
  for (const match of source.matchAll(TEMPLATE)) {
    const where = `${file}:${source.slice(0, match.index).split('\n').length}`;
    const raw = match[1]!;
    if (/(?<!\\)\$\{/.test(raw)) {
      found.push({ where, text: raw, problem: 'holds ${…} interpolations, which only running the code resolves' });
      continue;
    }
    found.push({ where, text: cook(raw) });
  }
  return found;
}

/** A template literal's cooked value, for the escapes a GraphQL document can hold. */
function cook(raw: string): string {
  return raw.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])/g, (_m, e: string) => {
    if (e.startsWith('u{')) return String.fromCodePoint(parseInt(e.slice(2, -1), 16));
    if (e.length > 1) return String.fromCharCode(parseInt(e.slice(1), 16));
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0', '\n': '' };
    return simple[e] ?? e;
  });
}

export interface ManifestResult {
  /** Hash → document, sorted by hash. */
  manifest: Record<string, string>;
  /** `where: what` for every document that failed. */
  errors: string[];
  /** `where: why` for every document left out on purpose (type definitions, fragments only). */
  skipped: string[];
}

/** Checks the documents against `schema` and builds the manifest. */
export function buildManifest(documents: readonly FoundDocument[], schema: GraphQLSchema): ManifestResult {
  const entries = new Map<string, string>();
  const errors: string[] = [];
  const skipped: string[] = [];
  for (const { where, text, problem } of documents) {
    if (problem) {
      errors.push(`${where}: ${problem}`);
      continue;
    }
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (error) {
      errors.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const executable = document.definitions.filter(
      (d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION,
    );
    if (executable.length === 0) {
      skipped.push(`${where}: type definitions, not an operation`);
      continue;
    }
    if (executable.length !== document.definitions.length) {
      errors.push(`${where}: mixes type definitions with operations`);
      continue;
    }
    if (!executable.some((d) => d.kind === Kind.OPERATION_DEFINITION)) {
      skipped.push(`${where}: fragments only; they are trusted inside the operations that spread them`);
      continue;
    }
    const invalid = validate(schema, document);
    if (invalid.length) {
      errors.push(...invalid.map((e) => `${where}: ${e.message}`));
      continue;
    }
    for (const form of new Set([text, print(document)])) entries.set(documentHash(form), form);
  }
  const manifest = Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { manifest, errors, skipped };
}

/** The API schema clients see, from a supergraph's SDL (its security features need not be supported here). */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
}

/** Every file below (or at) `target` that may hold documents. */
export async function listSourceFiles(target: string): Promise<string[]> {
  const info = await stat(target);
  if (info.isFile()) return [target];
  const entries = await readdir(target, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => {
      const full = path.join(target, e.name);
      if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) || e.name.startsWith('.') ? [] : listSourceFiles(full);
      const extension = path.extname(e.name);
      return SOURCE_EXTENSIONS.has(extension) || DOCUMENT_EXTENSIONS.has(extension) ? [full] : [];
    }),
  );
  return nested.flat().sort();
}

export interface ExtractOptions {
  paths: string[];
  out: string;
  schemaPath: string;
}

/** Reads the paths, writes the manifest; resolves to what buildManifest found (the file is written only without errors). */
export async function extractDocuments({ paths, out, schemaPath }: ExtractOptions): Promise<ManifestResult> {
  const schema = apiSchemaOf(await readFile(schemaPath, 'utf8'));
  const files = (await Promise.all(paths.map(listSourceFiles))).flat();
  const documents = (
    await Promise.all(
      files.map(async (file) => findDocuments(path.relative(ROOT, path.resolve(file)), await readFile(file, 'utf8'))),
    )
  ).flat();
  const result = buildManifest(documents, schema);
  if (result.errors.length === 0) {
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(result.manifest, null, 2) + '\n');
  }
  return result;
}

function parseArguments(argv: string[]): ExtractOptions {
  const paths: string[] = [];
  let out = path.join(ROOT, 'schema/trusted-documents.json');
  let schemaPath = SUPERGRAPH_PATH;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out') out = path.resolve(argv[++i] ?? '');
    else if (arg === '--schema') schemaPath = path.resolve(argv[++i] ?? '');
    else if (arg === '--help' || arg === '-h') {
      console.log('npm run documents:extract -- [paths…] [--out manifest.json] [--schema supergraph.graphql]');
      process.exit(0);
    } else paths.push(path.resolve(arg));
  }
  return { paths: paths.length ? paths : [path.join(ROOT, 'e2e'), path.join(ROOT, 'bench')], out, schemaPath };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArguments(process.argv.slice(2));
  const { manifest, errors, skipped } = await extractDocuments(options);
  for (const line of skipped) console.log(`skipped ${line}`);
  if (errors.length) {
    console.error(
      `${errors.length} invalid document(s); no manifest written:\n${errors.map((e) => `  ${e}`).join('\n')}`,
    );
    process.exit(1);
  }
  console.log(`${Object.keys(manifest).length} trusted document(s) → ${path.relative(process.cwd(), options.out)}`);
}
