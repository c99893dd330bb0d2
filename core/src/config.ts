import { Type, type Static } from '@sinclair/typebox';
import { createAjv, describeAjvErrors } from './validation.js';
import { TandemError } from './errors.js';
import { parseSecretKey } from './keyring.js';

/**
 * The environment Tandem reads, as one schema: the only place in core that
 * looks at `process.env`. A bad value stops start-up with a sentence that
 * names the variable.
 */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  TANDEM_DATA_DIR: Type.String({ minLength: 1, default: '.tandem' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  // `1`: REDIS_URL is one node of a Redis Cluster (the prefix must then be a hash tag).
  TANDEM_REDIS_CLUSTER: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
  // Letters, digits and `_ . - : { }`; `{tandem}` keeps a queue's keys in one Cluster slot.
  TANDEM_REDIS_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9_.:{}-]{1,64}$',
    default: 'tandem',
  }),
  TANDEM_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  TANDEM_SECRET_KEY: Type.Optional(Type.String({ minLength: 1 })),
  TANDEM_METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  TANDEM_DEV_MAILBOX: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
  TANDEM_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ minLength: 3, default: 'Tandem <no-reply@tandem.localhost>' }),
  TANDEM_RATE_LIMIT_PER_IP: Type.Integer({ minimum: 0, default: 1000 }),
  TANDEM_RATE_LIMIT_PER_EMAIL: Type.Integer({ minimum: 0, default: 10 }),
  // Fewer than k people in a map cell or a place are never published (docs/privacy.md).
  TANDEM_MAP_MIN_COUNT: Type.Integer({ minimum: 2, default: 11 }),
  TANDEM_DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  TANDEM_LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  TANDEM_TRUST_PROXY: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
  TANDEM_JOB_LOCK_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 10_000 }),
  TANDEM_JOB_CONCURRENCY: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
  TANDEM_IDEMPOTENCY_LEASE_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000 }),
  TANDEM_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000 }),
  TANDEM_STREAMS_PER_IP: Type.Integer({ minimum: 0, default: 200 }),
  TANDEM_STREAMS_PER_PROCESS: Type.Integer({ minimum: 0, default: 10_000 }),
  TANDEM_VIEW_CACHE_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
  TANDEM_CONTRIBUTION_EDIT_DAYS: Type.Integer({ minimum: 0, maximum: 366, default: 3 }),
  // Integrity alerts (ADR 0039): a group holding more than this share (%) of
  // a challenge, and at least this many pledges or contributions.
  TANDEM_INTEGRITY_SHARE_PERCENT: Type.Integer({ minimum: 1, maximum: 100, default: 30 }),
  TANDEM_INTEGRITY_MIN_COUNT: Type.Integer({ minimum: 1, default: 20 }),
  // Company sign-in (ADR 0044): identity providers on loopback or private
  // addresses, over http on loopback — tests and local demos only.
  TANDEM_SSO_ALLOW_PRIVATE_NETWORKS: Type.Union([Type.Literal('0'), Type.Literal('1')], {
    default: '0',
  }),
});

type Env = Static<typeof EnvSchema>;

/** Tandem's configuration, parsed once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** External PostgreSQL; when absent Tandem starts an embedded one in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  /**
   * The first part of every Redis key and channel Tandem uses
   * (`TANDEM_REDIS_PREFIX`, default `tandem`): BullMQ queues
   * (`<prefix>:<queue>:…`), rate-limit counters (`<prefix>:rl:…`) and the
   * live fan-out channel (`<prefix>:live`). Processes that work together
   * share it; two deployments on one Redis each take their own. On a Redis
   * Cluster it must be a hash tag such as `{tandem}`, so that every key of a
   * queue falls in one slot, as BullMQ's scripts require (docs/deploy.md).
   */
  redisPrefix: string;
  /**
   * Whether `REDIS_URL` names a node of a Redis Cluster
   * (`TANDEM_REDIS_CLUSTER=1`): Tandem then opens Cluster connections,
   * which find the other nodes and follow slot moves, and requires a
   * hash-tagged `TANDEM_REDIS_PREFIX`.
   */
  redisCluster: boolean;
  adminToken: string | undefined;
  /**
   * The master key that seals stored secrets and keys fingerprints
   * (`TANDEM_SECRET_KEY`, 32 bytes). Required with `DATABASE_URL`; the
   * embedded default keeps a generated one in its data folder.
   */
  secretKey: Buffer | undefined;
  /** Bearer token of `GET /ops/metrics` (Prometheus); the admin token serves when unset. */
  metricsToken: string | undefined;
  devMailbox: boolean;
  /** Base of links in mails, e.g. https://tandem.example.org */
  publicUrl: string;
  /**
   * The origin of `TANDEM_PUBLIC_URL` (`https://tandem.example.org`) when it
   * is set, else `undefined`: what a cookie-authenticated write's `Origin`
   * must equal (ADR 0028). Unset, the request's own host stands in.
   */
  publicOrigin: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  rateLimits: { perIpPerMinute: number; perEmailPerHour: number };
  /** k: the fewest people a map cell or a place must hold to be published (docs/privacy.md). */
  mapMinCount: number;
  dbPoolSize: number;
  logLevel: string;
  trustProxy: boolean;
  /**
   * How long a BullMQ job stays locked to its worker without a renewal
   * (`TANDEM_JOB_LOCK_MS`, default 10 s): the jobs of a worker that died are
   * taken again after about this long. Shorter recovers sooner; too short
   * for a busy event loop runs jobs twice (harmless, but wasted).
   */
  jobLockMs: number;
  /**
   * Jobs one worker runs at once per queue (`TANDEM_JOB_CONCURRENCY`).
   * Unset: 16 evaluations (the `thresholds` queue) and 4 of every other
   * queue. Each running job may hold a PostgreSQL connection, so a worker's
   * `TANDEM_DB_POOL_SIZE` bounds what a higher number gains.
   */
  jobConcurrency: number | undefined;
  /**
   * How long a request holds its `Idempotency-Key` "in progress"
   * (`TANDEM_IDEMPOTENCY_LEASE_MS`, default 60 s): past it, a retry of the
   * same request takes the key over, so a request that died with the
   * database does not leave its key answering 409 for a day.
   */
  idempotencyLeaseMs: number;
  /**
   * The longest a client may take to send a whole request, headers and body
   * (`TANDEM_REQUEST_TIMEOUT_MS`, default 30 s; `0` disables): a client
   * trickling its body is cut off instead of holding a connection.
   */
  requestTimeoutMs: number;
  /**
   * Caps on open live streams (`TANDEM_STREAMS_PER_IP`, default 200 — an
   * office behind one address must still work; `TANDEM_STREAMS_PER_PROCESS`,
   * default 10,000). `0` disables a cap.
   */
  streams: { perIp: number; perProcess: number };
  /**
   * The longest a cached challenge or campaign answer is served
   * (`TANDEM_VIEW_CACHE_MS`, default 1,000 ms; `0` turns the cache off).
   * Committed events and this process's own writes drop entries sooner;
   * this bounds what another process's write without an event leaves
   * stale, so above 1,000 such writes may take longer than 1 s to show
   * elsewhere (ADR 0023).
   */
  viewCacheMs: number;
  /**
   * How many days after it was recorded a participant may still correct or
   * delete their contribution (`TANDEM_CONTRIBUTION_EDIT_DAYS`, default 3;
   * `0` allows no correction). ADR 0029.
   */
  contributionEditDays: number;
  /**
   * When a concentration becomes an alert (ADR 0039): a share above
   * `share` (0–1, `TANDEM_INTEGRITY_SHARE_PERCENT`, default 30 %) of a
   * challenge's pledges or quantity held by one group of at least
   * `minCount` (`TANDEM_INTEGRITY_MIN_COUNT`, default 20).
   */
  integrity: { share: number; minCount: number };
  /**
   * Whether an organization's identity provider may sit on a loopback or
   * private address, and use plain http on loopback
   * (`TANDEM_SSO_ALLOW_PRIVATE_NETWORKS=1`): for tests and a demo on one
   * machine, never production (the server would fetch inside its own
   * network for whoever configures an issuer). ADR 0044.
   */
  ssoAllowPrivateNetworks: boolean;
}

/**
 * The origin of `TANDEM_PUBLIC_URL`, parsed once: a value the URL parser
 * refuses, or one with credentials, stops start-up like any bad variable.
 */
function publicOriginOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  const problem =
    url.protocol !== 'http:' && url.protocol !== 'https:'
      ? 'must be an http(s) URL'
      : url.username !== '' || url.password !== ''
        ? 'must not carry credentials'
        : url.hostname === ''
          ? 'must name a host'
          : null;
  if (problem) {
    const message = `TANDEM_PUBLIC_URL ${problem} (got ${JSON.stringify(value)})`;
    throw new TandemError('TANDEM_CONFIG_INVALID', `Invalid configuration: ${message}.`, [
      { path: 'TANDEM_PUBLIC_URL', message },
    ]);
  }
  return url.origin;
}

const envAjv = createAjv('querystring');
const validateEnv = envAjv.compile(EnvSchema);

/**
 * Parses `env` (default `process.env`) into a Config.
 *
 * @throws TandemError `TANDEM_CONFIG_INVALID` naming the variable, e.g.
 * "PORT must be <= 65535 (got "70000")".
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.keys(EnvSchema.properties);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  if (!validateEnv(input)) {
    const details = describeAjvErrors(validateEnv.errors, '').map((d) => {
      const name = (d.path ?? '').replace(/^\//, '');
      return {
        ...d,
        path: name,
        message: `${name} ${d.message} (got ${JSON.stringify(env[name])})`,
      };
    });
    const sentence = details.map((d) => d.message).join('; ');
    throw new TandemError('TANDEM_CONFIG_INVALID', `Invalid configuration: ${sentence}.`, details);
  }
  const e = input as unknown as Env;
  if (e.TANDEM_REDIS_CLUSTER === '1' && !/^[^{]*\{[^}]+\}/.test(e.TANDEM_REDIS_PREFIX)) {
    const message = `TANDEM_REDIS_PREFIX must hold a hash tag such as {tandem} on a Redis Cluster (TANDEM_REDIS_CLUSTER=1), so that each queue's keys share one slot (got ${JSON.stringify(e.TANDEM_REDIS_PREFIX)})`;
    throw new TandemError('TANDEM_CONFIG_INVALID', `Invalid configuration: ${message}.`, [
      { path: 'TANDEM_REDIS_PREFIX', message },
    ]);
  }
  const publicOrigin = publicOriginOf(e.TANDEM_PUBLIC_URL);
  const port = e.PORT;
  const host = e.HOST;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    port,
    host,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.TANDEM_DATA_DIR,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.TANDEM_REDIS_PREFIX,
    redisCluster: e.TANDEM_REDIS_CLUSTER === '1',
    adminToken: e.TANDEM_ADMIN_TOKEN,
    secretKey: e.TANDEM_SECRET_KEY === undefined ? undefined : parseSecretKey(e.TANDEM_SECRET_KEY),
    metricsToken: e.TANDEM_METRICS_TOKEN,
    devMailbox: e.TANDEM_DEV_MAILBOX === '1',
    publicUrl: (e.TANDEM_PUBLIC_URL ?? `http://${shownHost}:${port}`).replace(/\/$/, ''),
    publicOrigin,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    rateLimits: {
      perIpPerMinute: e.TANDEM_RATE_LIMIT_PER_IP,
      perEmailPerHour: e.TANDEM_RATE_LIMIT_PER_EMAIL,
    },
    mapMinCount: e.TANDEM_MAP_MIN_COUNT,
    dbPoolSize: e.TANDEM_DB_POOL_SIZE,
    logLevel: e.TANDEM_LOG_LEVEL,
    trustProxy: e.TANDEM_TRUST_PROXY === '1',
    jobLockMs: e.TANDEM_JOB_LOCK_MS,
    jobConcurrency: e.TANDEM_JOB_CONCURRENCY,
    idempotencyLeaseMs: e.TANDEM_IDEMPOTENCY_LEASE_MS,
    requestTimeoutMs: e.TANDEM_REQUEST_TIMEOUT_MS,
    streams: { perIp: e.TANDEM_STREAMS_PER_IP, perProcess: e.TANDEM_STREAMS_PER_PROCESS },
    viewCacheMs: e.TANDEM_VIEW_CACHE_MS,
    contributionEditDays: e.TANDEM_CONTRIBUTION_EDIT_DAYS,
    integrity: {
      share: e.TANDEM_INTEGRITY_SHARE_PERCENT / 100,
      minCount: e.TANDEM_INTEGRITY_MIN_COUNT,
    },
    ssoAllowPrivateNetworks: e.TANDEM_SSO_ALLOW_PRIVATE_NETWORKS === '1',
  };
}
