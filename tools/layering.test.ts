/**
 * Layering, checked mechanically by dependency-cruiser with the rules of .dependency-cruiser.cjs (the
 * same rules `npm run check:deps` prints). The second test proves the rules bite: a throwaway tree
 * that breaks each of them, including the forms a regex misses (double quotes, dynamic import()).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseOptions, type IReporterOutput } from 'dependency-cruiser';
import { ROOT } from './supergraph.js';

const require = createRequire(import.meta.url);
const ruleSet = require(path.join(ROOT, '.dependency-cruiser.cjs')) as ICruiseOptions['ruleSet'] & {
  options: ICruiseOptions;
};

async function violations(baseDir: string, dirs: string[]): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(baseDir); // dependency-cruiser resolves and reports paths relative to the working directory
  try {
    const { tsConfig: _unused, ...options } = ruleSet.options;
    const result: IReporterOutput = await cruise(dirs, { ...options, ruleSet, validate: true, baseDir }, undefined, {
      tsConfig: { fileName: path.join(baseDir, 'tsconfig.json') },
    } as never);
    const output = result.output as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
  } finally {
    process.chdir(cwd);
  }
}

test('the code base keeps its layering: no violations of .dependency-cruiser.cjs', async () => {
  assert.deepEqual(await violations(ROOT, ['lib', 'gateway', 'subgraphs', 'tools', 'e2e', 'bench']), []);
});

test('the layering rules catch each kind of violation, however the import is written', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hubgraph-layering-'));
  try {
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowJs: true },
      }),
      'subgraphs/alpha/src/domain/rules.ts': `import mqtt from "mqtt";\nexport const load = () => import('redis');\nexport { mqtt };`,
      'subgraphs/alpha/src/domain/uses-service.ts': `export { svc } from '../services/thing.service.js';`,
      'subgraphs/alpha/src/services/thing.service.ts': `import { GraphQLError } from 'graphql';\nexport const svc = GraphQLError;`,
      'subgraphs/alpha/src/resolvers/Query.ts': `import { other } from '../../../beta/src/services/other.service.js';\nexport { other };`,
      'subgraphs/beta/src/services/other.service.ts': `export const other = 1;`,
      'lib/thing/index.ts': `import { other } from '../../subgraphs/beta/src/services/other.service.js';\nexport { other };`,
      'lib/cycle/a.ts': `import { b } from './b.js';\nexport const a = () => b;`,
      'lib/cycle/b.ts': `import { a } from './a.js';\nexport const b = () => a;`,
    };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const found = await violations(dir, ['subgraphs', 'lib']);
    const rules = new Set(found.map((v) => v.split(':')[0]));
    for (const rule of [
      'domain-is-pure',
      'services-know-no-transport',
      'no-subgraph-imports-another',
      'lib-imports-no-process-code',
      'no-circular',
    ]) {
      assert.ok(rules.has(rule), `${rule} fires:\n${found.join('\n')}`);
    }
    assert.ok(
      found.some((v) => v.startsWith('domain-is-pure') && v.includes('/mqtt/')),
      'catches from "mqtt"',
    );
    assert.ok(
      found.some((v) => v.startsWith('domain-is-pure') && v.includes('/redis/')),
      "catches import('redis')",
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
