/**
 * `npm run build`: the production processes as plain JavaScript in `dist/`, so they start with `node` alone
 * (docs/adr/0005-node-24-and-a-build-step.md). Development keeps running the TypeScript through tsx.
 *
 * One file in, one file out: esbuild transforms each TypeScript file reachable from the entry points (and every
 * committed migration, which MikroORM loads by path) to ES modules at the same place under `dist/`, and the files
 * read at run time are copied beside them. The code finds those files relative to its own `import.meta.url`
 * (a subgraph's `schema.graphql` and `migrations/`, `schema/supergraph.graphql`, `data/`), so mirroring the tree
 * keeps every such path right without a change in the code. Imports already name `.js` files (NodeNext), and
 * packages stay in `node_modules`, found from `dist/` by Node's usual walk up the folders.
 *
 * Each built entry point first imports `dist/compile-cache.js`, which turns on Node's module compile cache where
 * Node has one (22.1 and later; a no-op on 20): V8 keeps the compiled code of every module loaded after it (nearly
 * all of node_modules) in `NODE_COMPILE_CACHE`, or the system's temporary folder, and later starts skip compiling.
 *
 * `dist/.env` is a link to the repository's `.env`: `lib/config` reads `.env` two folders above itself, and this
 * keeps a built process reading the same file as a tsx one (a missing file is skipped, as before).
 *
 *   npm run build                    # → dist/
 *   npx tsx tools/build.ts --out DIR # elsewhere (tests)
 */
import { copyFile, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { SUBGRAPH_NAMES, subgraphPaths } from '../lib/topology/index.js';
import { ROOT } from './supergraph.js';

export const DIST = path.join(ROOT, 'dist');

/** The oldest Node the output must run on (package.json "engines"); nothing newer is lowered. */
const TARGET = 'node20.19';

/** Where the built form of a source file (relative to the repository root) lands, relative to the root. */
export function builtPath(sourcePath: string, outDir = 'dist'): string {
  return path.join(outDir, sourcePath.replace(/\.ts$/, '.js'));
}

/** The processes a production image runs: the all-in-one launcher, the gateway, each subgraph, migrate and seed. */
export const ENTRY_POINTS: readonly string[] = [
  'tools/start.ts',
  'tools/migrate.ts',
  'tools/seed.ts',
  'gateway/src/index.ts',
  ...SUBGRAPH_NAMES.map((name) => subgraphPaths(name).entry),
];

/** Loaded by path rather than by an import statement: the subgraph servers (tools/subgraphs.ts). */
const LOADED_BY_PATH: readonly string[] = SUBGRAPH_NAMES.map((name) => subgraphPaths(name).server);

/** Files and folders read at run time, copied as they are (relative to the root). */
const ASSETS: readonly string[] = [
  'schema/supergraph.graphql',
  'data',
  ...SUBGRAPH_NAMES.flatMap((name) => [subgraphPaths(name).sdl, `subgraphs/${name}/src/migrations/.snapshot.json`]),
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** The committed migrations: MikroORM imports them by path, so no import statement leads to them. */
async function migrationFiles(): Promise<string[]> {
  const found = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      const dir = path.join(ROOT, 'subgraphs', name, 'src', 'migrations');
      return (await readdir(dir))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
        .map((f) => path.join(dir, f));
    }),
  );
  return found.flat();
}

/**
 * Every project TypeScript file the entry points import, statically or by a literal dynamic import: esbuild's own
 * resolver walks the graph (packages left external), and its metafile lists the inputs.
 */
async function reachableSources(entries: string[]): Promise<string[]> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: TARGET,
    write: false,
    metafile: true,
    outdir: 'unused',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs)
    .filter((input) => input.endsWith('.ts') && !input.startsWith('node_modules/'))
    .map((input) => path.join(ROOT, input));
}

const COMPILE_CACHE_MODULE = `// Written by tools/build.ts. Imported first by every built entry point, so that the modules loaded after it
// (their compiled code) come from Node's compile cache: Node >= 22.1; Node 20 has no such cache and skips this.
import module from 'node:module';

module.enableCompileCache?.();
`;

/**
 * Puts \`import '<…>/compile-cache.js';\` on a line of its own before an entry point's code. An ES module evaluates
 * its imports in order, so everything the entry imports next loads with the cache on. The source map gets one
 * empty line in front so that it still points at the right lines.
 */
async function importCompileCacheFirst(outDir: string, entry: string): Promise<void> {
  const file = path.join(outDir, builtPath(entry, '.'));
  const specifier = path.relative(path.dirname(file), path.join(outDir, 'compile-cache.js')).split(path.sep).join('/');
  await writeFile(
    file,
    `import '${specifier.startsWith('.') ? '' : './'}${specifier}';\n${await readFile(file, 'utf8')}`,
  );
  const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { mappings: string };
  map.mappings = `;${map.mappings}`;
  await writeFile(`${file}.map`, JSON.stringify(map));
}

export interface BuildResult {
  outDir: string;
  /** TypeScript files transformed. */
  files: number;
  assets: number;
  ms: number;
}

export async function build(outDir = DIST): Promise<BuildResult> {
  const started = performance.now();
  const entries = [...ENTRY_POINTS, ...LOADED_BY_PATH].map((p) => path.join(ROOT, p)).concat(await migrationFiles());
  const sources = [...new Set([...(await reachableSources(entries)), ...entries])].sort();

  await rm(outDir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: sources,
    outbase: ROOT,
    outdir: outDir,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    // Stack traces name the built file, which reads almost like its source; the map is there for
    // `node --enable-source-maps` when the original lines are wanted.
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });

  await writeFile(path.join(outDir, 'compile-cache.js'), COMPILE_CACHE_MODULE);
  for (const entry of ENTRY_POINTS) await importCompileCacheFirst(outDir, entry);

  let assets = 0;
  for (const asset of ASSETS) {
    const from = path.join(ROOT, asset);
    const files = (await stat(from)).isDirectory() ? await filesUnder(from) : [from];
    for (const file of files) {
      const to = path.join(outDir, path.relative(ROOT, file));
      await mkdir(path.dirname(to), { recursive: true });
      await copyFile(file, to);
      assets++;
    }
  }
  // The built files are ES modules whatever folder holds them (a copy of dist/ without the root package.json too).
  await writeFile(path.join(outDir, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  await symlink(path.relative(outDir, path.join(ROOT, '.env')), path.join(outDir, '.env'));

  return { outDir, files: sources.length, assets, ms: Math.round(performance.now() - started) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]!) : DIST;
  const result = await build(outDir);
  console.log(
    `built ${result.files} TypeScript files and copied ${result.assets} assets into ${path.relative(process.cwd(), result.outDir) || '.'} in ${result.ms} ms`,
  );
}
