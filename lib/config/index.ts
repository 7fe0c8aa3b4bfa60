/**
 * Configuration is read from the environment here and nowhere else, validated once,
 * and handed to every process as a typed object. Every variable is listed in .env.example.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SUBGRAPHS, subgraphEnvNames, type SubgraphName } from '../topology/index.js';

/**
 * Local demo defaults. They let `npm start` run with nothing configured; they are public,
 * so production refuses to start with them (see the refinement below).
 */
export const DEMO_SECRETS = {
  JWT_SECRET: 'hubgraph-local-demo-jwt-secret-change-me-0000',
  PASSPORT_SECRET: 'hubgraph-local-demo-passport-secret-change-me',
  EVENT_SECRET: 'hubgraph-local-demo-event-secret-change-me-000',
  PICKUP_CODE_SECRET: 'hubgraph-local-demo-pickup-secret-change-me-00',
} as const;

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.url().optional())
  .optional();
const duration = z.coerce.number().int().positive();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: optionalUrl,
  DATABASE_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,40}$/, 'lowercase letters, digits and _')
    .default('hubgraph'),
  DATA_DIR: z.string().default('.data'),
  REDIS_URL: optionalUrl,
  REDIS_PREFIX: z.string().default('hubgraph:'),
  MQTT_URL: optionalUrl,
  EMBEDDED_MQTT_PORT: port.default(1884),

  GATEWAY_PORT: port.default(4000),
  HOST: z.string().default('127.0.0.1'),
  /** Express `trust proxy`: false, true, a hop count, or addresses/subnets of trusted proxies. */
  TRUST_PROXY: z.string().trim().default('false'),
  /**
   * The standalone gateway serves this supergraph file instead of schema/supergraph.graphql, reaching each subgraph
   * at the URL the file names (`@join__graph(url:)`), as Router and Hive Gateway do. The launcher ignores it.
   */
  SUPERGRAPH_PATH: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || existsSync(v), 'no such file')
    .optional(),
  /** Processes of the standalone gateway (node:cluster) sharing its port; 1 = no cluster. */
  GATEWAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  /** Milliseconds one gateway fetch to a subgraph may take (gateway/src/resilience); the operation's budget also bounds it. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(10_000),
  /** Further attempts of a read (query) fetch whose subgraph was unreachable or answered 503; mutations get none. */
  SUBGRAPH_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  /** Wait before the first retry, doubled for each further one (with jitter), at most 500 ms. */
  SUBGRAPH_RETRY_BACKOFF_MS: z.coerce.number().int().min(1).max(500).default(50),
  /** Percentage of failed fetches to one subgraph, within the window, that opens its circuit breaker. */
  SUBGRAPH_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  /** Fetches to a subgraph within the window before its breaker may open. */
  SUBGRAPH_BREAKER_MIN_REQUESTS: z.coerce.number().int().min(1).max(10_000).default(5),
  /** The window, in milliseconds, over which a breaker measures failures. */
  SUBGRAPH_BREAKER_WINDOW_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** How long an open breaker answers SERVICE_UNAVAILABLE at once before letting one fetch through to test the subgraph. */
  SUBGRAPH_BREAKER_RESET_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),

  JWT_SECRET: z.string().min(32, 'at least 32 characters').default(DEMO_SECRETS.JWT_SECRET),
  PASSPORT_SECRET: z.string().min(32, 'at least 32 characters').default(DEMO_SECRETS.PASSPORT_SECRET),
  /** Signs the envelopes of events between subgraphs (docs/events.md §3). */
  EVENT_SECRET: z.string().min(32, 'at least 32 characters').default(DEMO_SECRETS.EVENT_SECRET),
  ACCESS_TOKEN_TTL_SECONDS: duration.default(900),
  REFRESH_TOKEN_TTL_SECONDS: duration.default(60 * 60 * 24 * 14),
  PASSPORT_TTL_SECONDS: duration.default(60),
  /** How long the gateway trusts its answer to "is this session alive and this role current?". */
  SESSION_CHECK_CACHE_MS: z.coerce.number().int().min(0).max(10_000).default(1000),
  /** Live subscriptions one graphql-ws connection may hold (gateway/src/subscriptions). */
  SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(100),
  /** Live subscriptions one user (an anonymous client: one address) may hold on one gateway, over every transport. */
  SUBSCRIPTIONS_PER_USER: z.coerce.number().int().min(1).default(500),

  /**
   * Trusted documents (gateway/src/documents): a manifest `{ "<sha256 hex>": "<document>" }` (GraphQL Codegen's
   * client-preset `persisted-documents.json`; `npm run documents:extract` writes one). Its documents run by hash.
   */
  TRUSTED_DOCUMENTS: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || existsSync(v), 'no such file')
    .optional(),
  /**
   * off: every operation runs, and any document can be registered by hash (APQ); audit: the same, logging each
   * operation not in the manifest; enforce (production): only the manifest's operations run, no APQ registration.
   */
  TRUSTED_DOCUMENTS_MODE: z.enum(['off', 'audit', 'enforce']).default('off'),
  /** How long a document registered by APQ stays in the key-value store. */
  APQ_TTL_SECONDS: duration.default(24 * 3600),
  /** Documents larger than this are run but not registered by APQ. */
  APQ_MAX_DOCUMENT_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(64 * 1024),
  /** Rate limits on every operation at the gateway (gateway/src/limits/rate.ts); off only for benchmarks. */
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  /** The window of every gateway rate-limit budget below. */
  RATE_LIMIT_WINDOW_SECONDS: duration.default(60),
  /** Points a signed-in user may spend per window; an operation costs 1 + its demand cost / RATE_LIMIT_COST_PER_POINT. */
  RATE_LIMIT_USER_POINTS: z.coerce.number().int().min(1).default(1200),
  /** Points an anonymous client address may spend per window. */
  RATE_LIMIT_ADDRESS_POINTS: z.coerce.number().int().min(1).default(300),
  /** Expensive root fields (createOrder, openCompartment, …) a user (anonymous: an address) may call per window. */
  RATE_LIMIT_EXPENSIVE_POINTS: z.coerce.number().int().min(1).default(30),
  /** Demand-control cost that adds one point to an operation's price (ALL_FIVE_QUERY, cost 8,530, costs 9). */
  RATE_LIMIT_COST_PER_POINT: z.coerce.number().int().min(1).default(1000),

  /** @apollo/gateway otherwise sends usage metrics to Apollo and probes cloud metadata endpoints. */
  APOLLO_TELEMETRY: z.enum(['true', 'false']).default('false'),
  /** GET /metrics (Prometheus) on the gateway and every subgraph. */
  METRICS_ENABLED: z.enum(['true', 'false']).default('true'),
  /** /metrics answers anyone, not only clients on this machine that came through no proxy (lib/metrics/http.ts). */
  METRICS_PUBLIC: z.enum(['true', 'false']).default('false'),
  /** OTLP/HTTP collector (its base URL; traces go to <url>/v1/traces). Unset: no traces are kept or sent. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),

  BOOTSTRAP_MASTER_USERNAME: z.string().optional(),
  BOOTSTRAP_MASTER_PASSWORD: z.string().optional(),

  /** Kakao Mobility directions (docs/domain.md §10). Unset: every link ETA is the offline estimate. */
  KAKAO_REST_API_KEY: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  /** Tests point this at a fake server on 127.0.0.1. */
  KAKAO_BASE_URL: z.url().default('https://apis-navi.kakaomobility.com'),
  /** Budget of one Kakao call, body included; past it the link falls back to the estimate. */
  KAKAO_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2000),
  /** Kakao calls allowed per day (Asia/Seoul); the free car-directions quota is 10,000. 0 = never call. */
  KAKAO_DAILY_QUOTA: z.coerce.number().int().min(0).default(10_000),
  /** How long a link's ETA stays fresh (plus up to 20% jitter); ≥ 15 min keeps Kakao inside its quota. */
  ETA_CACHE_TTL_SECONDS: z.coerce.number().int().min(60).default(1800),

  /** Keys the hashes of pickup PINs, signs QR tokens and seals codes until their recipient reads them. */
  PICKUP_CODE_SECRET: z.string().min(32, 'at least 32 characters').default(DEMO_SECRETS.PICKUP_CODE_SECRET),
  /** How long pickup codes stay valid after the parcel is deposited. */
  PICKUP_CODE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(3 * 24 * 3600),
  /** How long a compartment is held for an order's parcel before the reservation expires. */
  LOCKER_RESERVATION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(3 * 24 * 3600),
  /** How long the platform waits for a locker to acknowledge a command before DEVICE_TIMEOUT. */
  LOCKER_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),

  /** Discord webhook for dispatch notices (delivery subgraph); unset: the notices are only logged. */
  DISCORD_WEBHOOK_URL: optionalUrl,
});

/** `<NAME>_PORT` and `<NAME>_URL` for every subgraph of lib/topology, so adding one adds its variables. */
const subgraphEnvSchema = z.object(
  Object.fromEntries(
    SUBGRAPHS.flatMap((s) => {
      const env = subgraphEnvNames(s.name);
      return [
        [env.port, port.default(s.port)],
        [env.url, optionalUrl],
      ];
    }),
  ) as Record<string, typeof optionalUrl | ReturnType<typeof port.default>>,
);

export type Env = z.infer<typeof envSchema>;

/** Every variable this module reads (the platform's; tests add TEST_*_URL), for .env.example's check. */
export const ENV_VARIABLES: readonly string[] = [
  ...Object.keys(envSchema.shape),
  ...Object.keys(subgraphEnvSchema.shape),
];

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  host: string;
  database: { kind: 'mysql'; url: string; prefix: string } | { kind: 'sqlite'; dir: string; prefix: string };
  redis: { url: string; prefix: string } | { kind: 'memory'; prefix: string };
  mqtt: { url: string } | { embeddedPort: number };
  gateway: {
    port: number;
    apolloTelemetry: boolean;
    trustProxy: boolean | number | string;
    /** SUPERGRAPH_PATH: a supergraph to serve on its own subgraph URLs (standalone gateway only). */
    supergraphPath?: string;
    /** GATEWAY_WORKERS: processes sharing the port (standalone gateway only). */
    workers: number;
  };
  /** Where each subgraph listens, and the URL the gateway (and other subgraphs) reach it at. */
  subgraphs: Record<SubgraphName, { port: number; url: string }>;
  /** How the gateway copes with slow or failing subgraphs (gateway/src/resilience, ResilienceOptions). */
  resilience: {
    timeoutMs: number;
    retries: number;
    retryBackoffMs: number;
    maxBackoffMs: number;
    breaker: { errorPercent: number; minRequests: number; windowMs: number; resetMs: number };
  };
  /** OpenTelemetry traces (lib/tracing): exported over OTLP/HTTP when an endpoint is set. */
  tracing: { otlpEndpoint: string | null };
  /** Prometheus /metrics on every process (lib/metrics). */
  metrics: {
    enabled: boolean;
    /** false: only local clients that came through no proxy may read /metrics. */
    public: boolean;
  };
  auth: {
    jwtSecret: string;
    passportSecret: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    passportTtlSeconds: number;
    sessionCheckCacheMs: number;
  };
  bootstrapMaster?: { username: string; password: string };
  events: { secret: string };
  /** Limits on the gateway's live subscriptions (gateway/src/subscriptions). */
  subscriptions: {
    /** Per graphql-ws connection. */
    maxPerConnection: number;
    /** Per user (anonymous clients: per address), on one gateway process, over every transport. */
    maxPerUser: number;
  };
  /** Persisted documents at the gateway: APQ and trusted documents (gateway/src/documents). */
  documents: {
    /** TRUSTED_DOCUMENTS: the manifest file, when one is configured. */
    manifestPath?: string;
    mode: 'off' | 'audit' | 'enforce';
    apqTtlSeconds: number;
    apqMaxDocumentBytes: number;
  };
  /** Rate limits on every operation at the gateway (gateway/src/limits/rate.ts). */
  rateLimits: {
    enabled: boolean;
    windowSeconds: number;
    /** Per signed-in user. */
    userPoints: number;
    /** Per anonymous client address. */
    addressPoints: number;
    /** Expensive root fields per user (anonymous: per address). */
    expensivePoints: number;
    costPerPoint: number;
  };
  /** Smart lockers (locker subgraph, docs/domain.md §9). */
  lockers: {
    pickupCodeSecret: string;
    /** Seconds pickup codes stay valid after a deposit. */
    pickupCodeTtlSeconds: number;
    /** Seconds a compartment is held for an order before its reservation expires. */
    reservationTtlSeconds: number;
    /** Milliseconds a device has to acknowledge a command. */
    commandTimeoutMs: number;
  };
  /** Link ETAs for routes (hub subgraph, docs/architecture.md §8). */
  eta: {
    /** Absent without KAKAO_REST_API_KEY: the offline estimate answers alone. */
    kakao?: {
      apiKey: string;
      baseUrl: string;
      /** Milliseconds per call. */
      timeoutMs: number;
      /** Calls per day (Asia/Seoul). */
      dailyQuota: number;
    };
    /** Seconds a cached link ETA stays fresh, before jitter. */
    cacheTtlSeconds: number;
  };
  /** Dispatch notices (delivery subgraph, docs/domain.md §6). */
  notices: {
    /** Discord webhook URL (it holds the webhook's token: never log it); absent → notices are only logged. */
    discordWebhookUrl?: string;
  };
}

/** Whether `host` binds only this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The repository's `.env`, as .env.example invites. */
export const ENV_FILE = fileURLToPath(new URL('../../.env', import.meta.url));

/**
 * Loads `.env` into process.env when the file exists. Variables already set in the environment win, so a
 * one-off `VAR=… npm start` still overrides the file. Called once by every process entry (lib/lifecycle/main).
 */
export function loadEnvFile(file = ENV_FILE): boolean {
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}

/** Reads and validates configuration. Throws ConfigError naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  const parsedSubgraphs = subgraphEnvSchema.safeParse(source);
  const issues = [...(parsed.error?.issues ?? []), ...(parsedSubgraphs.error?.issues ?? [])];
  if (!parsed.success || !parsedSubgraphs.success) {
    const lines = issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const subgraphEnv = parsedSubgraphs.data as Record<string, number | string | undefined>;
  const demo = Object.entries(DEMO_SECRETS)
    .filter(([name, value]) => e[name as keyof typeof DEMO_SECRETS] === value)
    .map(([name]) => name);
  // The demo secrets are public: with them anyone who reaches a port can forge a MASTER token or a passport.
  if (demo.length && e.NODE_ENV === 'production') {
    throw new ConfigError(`Production refuses the local demo defaults of ${demo.join(', ')}`);
  }
  if (demo.length && !isLoopback(e.HOST)) {
    throw new ConfigError(
      `HOST=${e.HOST} listens beyond this machine, so the public demo values of ${demo.join(', ')} are refused: ` +
        'set your own (openssl rand -base64 48), or keep HOST=127.0.0.1',
    );
  }
  if (e.TRUSTED_DOCUMENTS_MODE !== 'off' && !e.TRUSTED_DOCUMENTS) {
    throw new ConfigError(
      `TRUSTED_DOCUMENTS_MODE=${e.TRUSTED_DOCUMENTS_MODE} needs TRUSTED_DOCUMENTS (a manifest file)`,
    );
  }
  if (Boolean(e.BOOTSTRAP_MASTER_USERNAME) !== Boolean(e.BOOTSTRAP_MASTER_PASSWORD)) {
    throw new ConfigError('Set both BOOTSTRAP_MASTER_USERNAME and BOOTSTRAP_MASTER_PASSWORD, or neither');
  }

  const subgraphs = Object.fromEntries(
    SUBGRAPHS.map(({ name }) => {
      const env = subgraphEnvNames(name);
      const port = subgraphEnv[env.port] as number;
      const url = (subgraphEnv[env.url] as string | undefined) ?? `http://127.0.0.1:${port}/graphql`;
      return [name, { port, url }];
    }),
  ) as Config['subgraphs'];

  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: 'mysql', url: e.DATABASE_URL, prefix: e.DATABASE_PREFIX }
      : { kind: 'sqlite', dir: e.DATA_DIR, prefix: e.DATABASE_PREFIX },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : { kind: 'memory', prefix: e.REDIS_PREFIX },
    mqtt: e.MQTT_URL ? { url: e.MQTT_URL } : { embeddedPort: e.EMBEDDED_MQTT_PORT },
    gateway: {
      port: e.GATEWAY_PORT,
      apolloTelemetry: e.APOLLO_TELEMETRY === 'true',
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      supergraphPath: e.SUPERGRAPH_PATH,
      workers: e.GATEWAY_WORKERS,
    },
    subgraphs,
    resilience: {
      timeoutMs: e.SUBGRAPH_TIMEOUT_MS,
      retries: e.SUBGRAPH_RETRIES,
      retryBackoffMs: e.SUBGRAPH_RETRY_BACKOFF_MS,
      maxBackoffMs: 500,
      breaker: {
        errorPercent: e.SUBGRAPH_BREAKER_ERROR_PERCENT,
        minRequests: e.SUBGRAPH_BREAKER_MIN_REQUESTS,
        windowMs: e.SUBGRAPH_BREAKER_WINDOW_MS,
        resetMs: e.SUBGRAPH_BREAKER_RESET_MS,
      },
    },
    metrics: { enabled: e.METRICS_ENABLED === 'true', public: e.METRICS_PUBLIC === 'true' },
    tracing: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT ?? null },
    auth: {
      jwtSecret: e.JWT_SECRET,
      passportSecret: e.PASSPORT_SECRET,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      passportTtlSeconds: e.PASSPORT_TTL_SECONDS,
      sessionCheckCacheMs: e.SESSION_CHECK_CACHE_MS,
    },
    events: { secret: e.EVENT_SECRET },
    subscriptions: { maxPerConnection: e.SUBSCRIPTIONS_PER_CONNECTION, maxPerUser: e.SUBSCRIPTIONS_PER_USER },
    documents: {
      manifestPath: e.TRUSTED_DOCUMENTS,
      mode: e.TRUSTED_DOCUMENTS_MODE,
      apqTtlSeconds: e.APQ_TTL_SECONDS,
      apqMaxDocumentBytes: e.APQ_MAX_DOCUMENT_BYTES,
    },
    rateLimits: {
      enabled: e.RATE_LIMITS === 'on',
      windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
      userPoints: e.RATE_LIMIT_USER_POINTS,
      addressPoints: e.RATE_LIMIT_ADDRESS_POINTS,
      expensivePoints: e.RATE_LIMIT_EXPENSIVE_POINTS,
      costPerPoint: e.RATE_LIMIT_COST_PER_POINT,
    },
    lockers: {
      pickupCodeSecret: e.PICKUP_CODE_SECRET,
      pickupCodeTtlSeconds: e.PICKUP_CODE_TTL_SECONDS,
      reservationTtlSeconds: e.LOCKER_RESERVATION_TTL_SECONDS,
      commandTimeoutMs: e.LOCKER_COMMAND_TIMEOUT_MS,
    },
    eta: {
      kakao: e.KAKAO_REST_API_KEY
        ? {
            apiKey: e.KAKAO_REST_API_KEY,
            baseUrl: e.KAKAO_BASE_URL,
            timeoutMs: e.KAKAO_TIMEOUT_MS,
            dailyQuota: e.KAKAO_DAILY_QUOTA,
          }
        : undefined,
      cacheTtlSeconds: e.ETA_CACHE_TTL_SECONDS,
    },
    notices: { discordWebhookUrl: e.DISCORD_WEBHOOK_URL },
    bootstrapMaster: e.BOOTSTRAP_MASTER_USERNAME
      ? { username: e.BOOTSTRAP_MASTER_USERNAME, password: e.BOOTSTRAP_MASTER_PASSWORD! }
      : undefined,
  };
}

/**
 * Some libraries read their switches from process.env alone. @apollo/gateway starts exporting usage
 * metrics to Apollo, after probing cloud metadata addresses, unless APOLLO_TELEMETRY_DISABLED is set:
 * the platform sends nothing off the machine unless APOLLO_TELEMETRY=true. Call before building one.
 */
export function applyLibraryEnvironment(config: Config, target: NodeJS.ProcessEnv = process.env): void {
  if (!config.gateway.apolloTelemetry) target.APOLLO_TELEMETRY_DISABLED = 'true';
}

/**
 * Where the tests find the real services (MariaDB, Redis, Mosquitto). They default to this machine's;
 * TEST_DATABASE_URL, TEST_REDIS_URL and TEST_MQTT_URL point them elsewhere.
 */
export function testServiceUrls(source: NodeJS.ProcessEnv = process.env) {
  return {
    databaseUrl: source.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306',
    redisUrl: source.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    mqttUrl: source.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
  };
}
