/**
 * Layering, enforced mechanically (npm run check:deps, and tools/layering.test.ts in npm test).
 * See docs/adr/0002-homes-for-growth.md for where each kind of code lives.
 * Type-only imports count too (tsPreCompilationDeps), and so do dynamic import() calls.
 */
const TRANSPORT_PACKAGES =
  '(^|/)node_modules/(graphql|graphql-ws|graphql-sse|graphql-tag|@apollo/[^/]+|@as-integrations/[^/]+|express|ws|undici|mqtt|aedes|redis|@redis/[^/]+|mysql2|rate-limiter-flexible)/';
const PERSISTENCE_PACKAGES = '(^|/)node_modules/(@mikro-orm/[^/]+|knex|@libsql/[^/]+)/';
/** The adapters of a subgraph: where requests, messages and events arrive. */
const ADAPTER_DIRS = '^subgraphs/[^/]+/src/(resolvers|mqtt|events|peers)/';
const PLATFORM_WIRING = '^lib/(subgraph|http|infra|testing)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular imports make load order matter and hide a missing layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'domain/ holds rules: no transport, no persistence, no platform wiring, no adapters or services ' +
        '(only lib/errors, lib/auth/viewer and its own subgraph’s domain/ from the project).',
      from: { path: '^subgraphs/[^/]+/src/domain/' },
      to: {
        path: [
          TRANSPORT_PACKAGES,
          PERSISTENCE_PACKAGES,
          PLATFORM_WIRING,
          '^lib/(orm|events|config)/',
          ADAPTER_DIRS,
          '^subgraphs/[^/]+/src/(services|entities|loaders|seeders)/',
        ],
      },
    },
    {
      name: 'services-know-no-transport',
      severity: 'error',
      comment: 'services/ are use cases: they must not know how requests arrive (GraphQL, HTTP, MQTT, Redis).',
      from: { path: '^subgraphs/[^/]+/src/services/' },
      to: {
        path: [TRANSPORT_PACKAGES, '^lib/(subgraph|http|testing)/', '^lib/infra/(mqtt|pubsub|index)', ADAPTER_DIRS],
      },
    },
    {
      name: 'no-subgraph-imports-another',
      severity: 'error',
      comment: 'Subgraphs share nothing but the platform (lib/) and federation; each owns its code and data.',
      from: { path: '^subgraphs/([^/]+)/' },
      to: { path: '^subgraphs/', pathNot: '^subgraphs/$1/' },
    },
    {
      name: 'lib-imports-no-process-code',
      severity: 'error',
      comment: 'lib/ is the platform the processes are built from; it never reaches back into them.',
      from: { path: '^lib/' },
      to: { path: '^(tools|gateway|subgraphs|e2e|bench)/' },
    },
    {
      name: 'gateway-is-not-a-subgraph',
      severity: 'error',
      comment: 'The gateway shares lib/http, lib/auth and lib/errors with subgraphs, never their code or wiring.',
      from: { path: '^gateway/' },
      to: { path: ['^subgraphs/', '^lib/subgraph/', '^lib/orm/'] },
    },
    {
      name: 'only-tests-use-test-helpers',
      severity: 'error',
      // Tests, and the fixtures beside them in a `test/` folder.
      from: { path: '^(lib|gateway|subgraphs)/', pathNot: '(\\.test\\.ts$|/test/)' },
      to: { path: '^lib/testing/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Not 'exclude': excluded modules vanish as dependency targets too, and the package rules need them.
    exclude: { path: '(^|/)(\\.data|coverage)/|__generated__/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
