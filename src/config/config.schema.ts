import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { Secret } from '../domain/secret';
import { ProviderConfig } from '../providers/provider.options';
import { IsHttpUrl, IsSecret, toBool, toSecret } from '../providers/setting.decorators';

// The common provider settings belong to the provider plug-ins (providers never import config);
// re-exported for code that reads them with the rest of the configuration.
export { ProviderConfig } from '../providers/provider.options';

export const SERVER_ROLES = ['all', 'api', 'worker'] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

/** A path of one or more segments that does not shadow the API, its docs or the probes. */
const CONSOLE_PATH =
  /^(?!\/(?:v1|docs|docs-json|health|metrics|email)(?:\/|$))(?:\/[A-Za-z0-9._~-]+)+$/;

export class ServerConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  port = 3000;

  @IsString()
  host = '0.0.0.0';

  /** Largest request body; larger answers 413. */
  @IsInt()
  @Min(1024)
  bodyLimitBytes = 15 * 1024 * 1024;

  /** A request whose headers and body have not all arrived within this ends with 408 (a contract). */
  @IsInt()
  @Min(1)
  requestTimeoutMs = 30_000;

  /** A request whose headers have not all arrived within this ends (at most requestTimeoutMs). */
  @IsInt()
  @Min(1)
  headersTimeoutMs = 10_000;

  /** An idle keep-alive connection is closed after this. */
  @IsInt()
  @Min(1)
  keepAliveTimeoutMs = 5_000;

  /** A connection with no traffic either way for this long is closed (above Prefer: wait's 30 s). */
  @IsInt()
  @Min(1)
  connectionTimeoutMs = 60_000;

  /** Honour X-Forwarded-For only from these proxies (addresses or CIDRs); empty: never. */
  @IsArray()
  @IsString({ each: true })
  trustedProxies: string[] = [];

  /** On SIGTERM: how long in-flight sends may take before the rest are released. */
  @IsInt()
  @Min(0)
  shutdownGraceMs = 10_000;

  /**
   * V8 collects the old generation once it has grown this many percent over what survived the
   * last collection. V8's own heuristic (0 keeps it) lets a busy server's heap reach up to four
   * times its live data before collecting; a bound trades that resident memory for more
   * frequent, short collections, whose cost stayed within run-to-run noise (figures in
   * bench/README.md, "V8's heap headroom").
   */
  @IsInt()
  @Min(0)
  @Max(1000)
  heapGrowingPercent = 50;

  /**
   * Provider HTTP calls on their own thread (true) or on the event loop (false, the default):
   * interleaved A/B pairs found the thread costs CPU per email and resident memory without a
   * delivery gain that holds across runs (bench/README.md, "The HTTP thread").
   */
  @IsBoolean()
  httpThread = false;

  /**
   * What this process does: `all` (the API and the outbox worker), `api` (the API only: it
   * accepts, reads and cancels, and claims nothing) or `worker` (claims and delivers; serves only
   * health and metrics). Env MAILOVER_ROLE. Replicas of different roles share one PostgreSQL store.
   */
  @IsIn(SERVER_ROLES as unknown as string[], {
    message: `must be one of ${SERVER_ROLES.join(', ')}`,
  })
  role: ServerRole = 'all';

  /**
   * Where the operator console is served (a contract: `/console` by default); `false` turns it
   * off. One or more path segments, not one of the API's own prefixes.
   */
  @ValidateIf((o: ServerConfig) => o.consolePath !== false)
  @IsString({ message: 'must be a path such as /console, or false' })
  @Matches(CONSOLE_PATH, {
    message:
      'must be a path such as /console (not /v1, /docs, /health, /metrics or /email), or false',
  })
  consolePath: string | false = '/console';
}

export class StoreConfig {
  @IsIn(['sqlite', 'postgres'], { message: 'must be sqlite or postgres' })
  driver: 'sqlite' | 'postgres' = 'sqlite';

  /** SQLite file, relative to MAILOVER_DATA_DIR unless absolute. */
  @IsString()
  sqliteFile = 'mailover.db';

  @ValidateIf((o: StoreConfig) => o.driver === 'postgres')
  @IsString({ message: 'must be set' })
  @IsNotEmpty({ message: 'must be set' })
  postgresUrl?: string;

  @IsInt()
  @Min(1)
  postgresPoolSize = 10;
}

export class BreakerConfig {
  /** Consecutive failures that open a provider's circuit. */
  @IsInt()
  @Min(1)
  consecutiveFailures = 5;

  /** How long an open circuit waits before one probe goes through. */
  @IsInt()
  @Min(100)
  halfOpenAfterMs = 30_000;

  /**
   * A provider is suspect (new sends go to the next provider at once) while one of its sends has
   * run this many times its usual latency and none started since has succeeded.
   */
  @IsNumber()
  @Min(2)
  slowCallFactor = 4;

  /** ...and at least this long (1 s before its first success, when its usual latency is unknown). */
  @IsInt()
  @Min(10)
  slowCallMinMs = 50;
}

export class DispatchConfig {
  /** Emails sent at once by this process. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  concurrency = 256;

  @IsInt()
  @Min(10)
  pollIntervalMs = 250;

  /**
   * A claimed email returns to the queue if its worker has not renewed the lease by then. A live
   * worker renews the leases of its rounds in flight every third of this, so it bounds only how
   * long a crashed worker's emails wait, never how long a round may take.
   */
  @IsInt()
  @Min(1000)
  leaseMs = 15_000;

  @IsInt()
  @Min(1)
  @Max(1000)
  claimBatch = 200;

  /** An email that could not be sent this long after it was due ends as failed. */
  @IsInt()
  @Min(1000)
  maxAgeMs = 24 * 3600_000;

  @IsInt()
  @Min(1)
  backoffBaseMs = 5_000;

  @IsInt()
  @Min(1)
  backoffMaxMs = 15 * 60_000;

  /** After an ambiguous outcome: try the next provider, or the same one again (risking neither duplicates nor loss is impossible). */
  @IsIn(['failover', 'retry-same'], { message: 'must be failover or retry-same' })
  ambiguous: 'failover' | 'retry-same' = 'failover';

  /** Furthest a sendAt may lie in the future. */
  @IsInt()
  @Min(0)
  maxScheduleHorizonMs = 365 * 24 * 3600_000;

  @ValidateNested()
  @Type(() => BreakerConfig)
  breaker = new BreakerConfig();
}

export class AuthKeyConfig {
  @IsString({ message: 'must be set' })
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1 to 64 of [A-Za-z0-9_.-]' })
  id!: string;

  @Transform(toSecret)
  @IsSecret()
  secret!: Secret;

  @IsArray()
  @ArrayUnique()
  @IsIn(['send', 'read', 'admin'], { each: true, message: 'must be send, read or admin' })
  scopes: Array<'send' | 'read' | 'admin'> = ['send', 'read'];

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  disabled = false;

  /** Whose emails the key creates and sees; keys of one tenant share them. Default: the key's id. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1 to 64 of [A-Za-z0-9_.-]' })
  tenant?: string;
}

/** The original `POST /email` without a signature, from these networks, as if sent by `key`. */
export class LegacyUnsignedConfig {
  /** Addresses or CIDRs (10.0.0.0/8, 127.0.0.1, fd00::/8); the narrower the better. */
  @IsArray()
  @ArrayNotEmpty({ message: 'must list at least one network' })
  @IsString({ each: true })
  allowFrom!: string[];

  /** The id of a key in auth.keys: its tenant, scopes and rate limit apply. */
  @IsString({ message: 'must be set' })
  key!: string;
}

export class AuthConfig {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AuthKeyConfig)
  keys: AuthKeyConfig[] = [];

  /** Signed requests whose timestamp is further than this from the server clock are refused. */
  @IsInt()
  @Min(1)
  @Max(3600)
  maxSkewSeconds = 300;

  /** Absent by default: every route needs a signature. */
  @IsOptional()
  @ValidateNested()
  @Type(() => LegacyUnsignedConfig)
  legacyUnsigned?: LegacyUnsignedConfig;
}

export class RateLimitRule {
  @IsInt()
  @Min(1)
  limit = 100;

  @IsInt()
  @Min(100)
  ttlMs = 1000;
}

export class RateLimitConfig {
  @ValidateNested()
  @Type(() => RateLimitRule)
  default = new RateLimitRule();

  /** Before authentication, by client address. */
  @ValidateNested()
  @Type(() => RateLimitRule)
  anonymous = new RateLimitRule();

  /** Provider webhooks (`POST /v1/webhooks/{providerId}`), by client address, before verification. */
  @ValidateNested()
  @Type(() => RateLimitRule)
  webhooks = Object.assign(new RateLimitRule(), { limit: 200 });

  /** Overrides by key id. */
  @IsOptional()
  perKey: Record<string, RateLimitRule> = {};

  @IsIn(['memory', 'redis'], { message: 'must be memory or redis' })
  storage: 'memory' | 'redis' = 'memory';

  @ValidateIf((o: RateLimitConfig) => o.storage === 'redis')
  @IsString({ message: 'must be set' })
  redisUrl?: string;
}

export class LimitsConfig {
  @IsInt()
  @Min(1)
  maxRecipients = 50;

  @IsInt()
  @Min(0)
  maxAttachments = 10;

  /** Decoded bytes of all attachments of one email. */
  @IsInt()
  @Min(0)
  maxAttachmentBytes = 10 * 1024 * 1024;

  @IsInt()
  @Min(1)
  maxSubjectLength = 998;

  @IsInt()
  @Min(0)
  maxHeaders = 50;

  /** `Prefer: wait` requests one key may hold open at once; beyond it they answer at once (202). */
  @IsInt()
  @Min(0)
  @Max(1000)
  maxWaitsPerKey = 10;
}

export class LoggingConfig {
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  level = 'info';

  /**
   * Access log lines: `errors` logs only requests answered 4xx/5xx (every email's record is in
   * the store, and ingress proxies usually keep access logs), `all` every request, `none` none.
   */
  @IsIn(['all', 'errors', 'none'], { message: 'must be all, errors or none' })
  requests: 'all' | 'errors' | 'none' = 'errors';

  /** Pretty output is for humans at a terminal; JSON otherwise. */
  @Transform(toBool)
  @IsBoolean()
  pretty = false;
}

/** The event types an application endpoint can subscribe to (`["*"]`: all of them). */
export const WEBHOOK_EVENT_TYPES = [
  'email.sent',
  'email.failed',
  'email.delivered',
  'email.deferred',
  'email.bounced',
  'email.rejected',
  'email.complained',
  'email.unsubscribed',
  'email.opened',
  'email.clicked',
  'email.suppressed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `whsec_` + base64 of 24 to 64 random bytes (Standard Webhooks). */
export function IsWebhookSecret(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isWebhookSecret',
      validator: {
        validate: (value: unknown) => {
          if (!(value instanceof Secret)) return false;
          const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value.reveal());
          if (!match || match[1].length % 4 !== 0) return false;
          const bytes = Buffer.from(match[1], 'base64').length;
          return bytes >= 24 && bytes <= 64;
        },
      },
    },
    {
      message:
        'must be whsec_ followed by the base64 of 24 to 64 random bytes (e.g. `echo whsec_$(openssl rand -base64 32)`)',
    },
  );
}

/** One endpoint of the application that receives signed webhooks (Standard Webhooks). */
export class WebhookEndpointConfig {
  @IsString({ message: 'must be set' })
  @Matches(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'must be lower-case letters, digits, - or _' })
  id!: string;

  /** The operator's endpoint: http:// and loopback are allowed; production ones should be https://. */
  @IsHttpUrl()
  url!: string;

  @Transform(toSecret)
  @IsWebhookSecret()
  secret!: Secret;

  @IsArray()
  @ArrayNotEmpty({ message: 'must list at least one event type, or "*"' })
  @IsIn(['*', ...WEBHOOK_EVENT_TYPES], {
    each: true,
    message: `must be "*" or among ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  events!: Array<WebhookEventType | '*'>;

  /** Only emails of these tenants; absent: every tenant's. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tenants?: string[];
}

export class WebhooksConfig {
  @IsArray()
  @ArrayUnique((e: WebhookEndpointConfig) => e?.id, { message: 'endpoint ids must be unique' })
  @ValidateNested({ each: true })
  @Type(() => WebhookEndpointConfig)
  endpoints: WebhookEndpointConfig[] = [];

  /** One attempt's limit (connect, send, answer); a timeout is retried like a 5xx. */
  @IsInt()
  @Min(100)
  @Max(300_000)
  timeoutMs = 10_000;

  /** Deliveries in flight at once in this process. */
  @IsInt()
  @Min(1)
  @Max(1000)
  concurrency = 16;

  @IsInt()
  @Min(10)
  pollIntervalMs = 1000;

  /** A delivery not answered 2xx is retried (exponential backoff, jitter) until this old, then failed. */
  @IsInt()
  @Min(1000)
  maxAgeMs = 24 * 3600_000;

  @IsInt()
  @Min(1)
  backoffBaseMs = 5_000;

  @IsInt()
  @Min(1)
  backoffMaxMs = 3600_000;
}

/** Provider events received through webhooks (issue 11). */
export class EventsConfig {
  /** Raw provider payloads are kept this long (for support), then purged by housekeeping. */
  @IsInt()
  @Min(1)
  @Max(3650)
  rawRetentionDays = 30;

  /** Largest provider webhook body; larger answers 413 (a SendGrid batch is up to 768 KB). */
  @IsInt()
  @Min(1024)
  webhookBodyLimitBytes = 5 * 1024 * 1024;
}

export class SuppressionConfig {
  /**
   * Hard bounces, complaints and unsubscribes from any provider put the address on the list, and
   * listed recipients are removed before any provider is called.
   */
  @Transform(toBool)
  @IsBoolean()
  enabled = true;
}

/** The whole validated configuration. Injected by class; sections are injected by their classes too. */
export class AppConfig {
  /** From MAILOVER_DATA_DIR (default ./data): SQLite file, sandbox outbox, first-run key. */
  @IsString()
  dataDir = './data';

  /** From NODE_ENV. */
  @IsString()
  environment = 'development';

  @ValidateNested()
  @Type(() => ServerConfig)
  server = new ServerConfig();

  @ValidateNested()
  @Type(() => StoreConfig)
  store = new StoreConfig();

  @ValidateNested()
  @Type(() => DispatchConfig)
  dispatch = new DispatchConfig();

  /** Validated by the loader, each entry against its type's plug-in (see ProviderRegistry). */
  @IsArray()
  providers: ProviderConfig[] = [];

  @ValidateNested()
  @Type(() => AuthConfig)
  auth = new AuthConfig();

  @ValidateNested()
  @Type(() => RateLimitConfig)
  rateLimit = new RateLimitConfig();

  @ValidateNested()
  @Type(() => LimitsConfig)
  limits = new LimitsConfig();

  @ValidateNested()
  @Type(() => LoggingConfig)
  logging = new LoggingConfig();

  @ValidateNested()
  @Type(() => WebhooksConfig)
  webhooks = new WebhooksConfig();

  @ValidateNested()
  @Type(() => EventsConfig)
  events = new EventsConfig();

  @ValidateNested()
  @Type(() => SuppressionConfig)
  suppression = new SuppressionConfig();
}
