import { readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parse } from 'yaml';
import { addCidr } from '../domain/network';
import { Secret } from '../domain/secret';
import { AppConfig, ProviderConfig, type RateLimitConfig, RateLimitRule } from './config.schema';

/** Every problem found in the configuration, one line each, naming the key path. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

const DEFAULT_FILE = resolve(__dirname, '../../config/default.yaml');

/**
 * Reads config/default.yaml, overlays the file named by MAILOVER_CONFIG, expands `${NAME}`
 * (and `${NAME:-fallback}`) from the environment inside string values, applies PORT,
 * MAILOVER_DATA_DIR and NODE_ENV, and validates the result once.
 */
export function loadConfig(env: Env = process.env, defaultsFile = DEFAULT_FILE): AppConfig {
  const problems: string[] = [];
  let raw = readYaml(defaultsFile, problems);
  if (env.MAILOVER_CONFIG) raw = overlay(raw, readYaml(resolve(env.MAILOVER_CONFIG), problems));
  if (problems.length) throw new ConfigError(problems);

  const expanded = expandEnv(raw, env, '', problems) as Record<string, unknown>;
  const server = (expanded.server ?? {}) as Record<string, unknown>;
  if (env.PORT !== undefined) server.port = Number(env.PORT);
  expanded.server = server;
  expanded.dataDir = env.MAILOVER_DATA_DIR || expanded.dataDir || './data';
  expanded.environment = env.NODE_ENV || 'development';

  // Key ids are data, not property names: class-transformer cannot take `constructor` as one.
  const rateLimit = isMapping(expanded.rateLimit) ? { ...expanded.rateLimit } : undefined;
  const perKey = rateLimit?.perKey;
  if (rateLimit) {
    delete rateLimit.perKey;
    expanded.rateLimit = rateLimit;
  }
  const config = plainToInstance(AppConfig, expanded, { exposeDefaultValues: true });
  if (config.rateLimit) config.rateLimit.perKey = ownRecord(perKey) as RateLimitConfig['perKey'];
  for (const error of validateSync(config, { whitelist: true, forbidNonWhitelisted: true })) {
    collect(error, '', problems);
  }
  for (const [keyId, rule] of Object.entries(config.rateLimit?.perKey ?? {})) {
    const typed = plainToInstance(RateLimitRule, rule, { exposeDefaultValues: true });
    Object.defineProperty(config.rateLimit.perKey, keyId, { value: typed, enumerable: true });
    for (const error of validateSync(typed)) collect(error, `rateLimit.perKey.${keyId}`, problems);
  }
  checkProviders(config, Array.isArray(expanded.providers) ? expanded.providers : [], problems);
  checkAuth(config, problems);
  checkLease(config, problems);
  if (problems.length) throw new ConfigError(problems);

  config.dataDir = resolve(config.dataDir);
  if (config.providers.length === 0) config.providers.push(sandboxDefault());
  for (const p of config.providers) {
    if (p.type === 'sandbox') p.directory = absoluteIn(config.dataDir, p.directory ?? 'outbox');
  }
  return config;
}

/** The embedded default when no provider is configured: .eml files under dataDir/outbox. */
function sandboxDefault(): ProviderConfig {
  return plainToInstance(
    ProviderConfig,
    { id: 'sandbox', type: 'sandbox' },
    { exposeDefaultValues: true },
  );
}

/** A path relative to the data directory, unless it is absolute. */
export function absoluteIn(dataDir: string, path: string): string {
  return isAbsolute(path) ? path : join(dataDir, path);
}

function readYaml(file: string, problems: string[]): Record<string, unknown> {
  try {
    const parsed: unknown = parse(readFileSync(file, 'utf8'));
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`${file}: must be a YAML mapping`);
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (e) {
    problems.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    return {};
  }
}

/** Mappings merge key by key; lists and scalars in the overlay replace the default. */
function overlay(
  base: Record<string, unknown>,
  top: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const current = out[key];
    const merged = isMapping(current) && isMapping(value) ? overlay(current, value) : value;
    // Defined, not assigned: a key named `__proto__` stays a key.
    Object.defineProperty(out, key, {
      value: merged,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** A copy with own properties only and no prototype, so any key (`__proto__` too) is plain data. */
function ownRecord(value: unknown): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  if (!isMapping(value)) return out;
  for (const [key, v] of Object.entries(value))
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true });
  return out;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function expandEnv(value: unknown, env: Env, path: string, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(
      REFERENCE,
      (_m, name: string, fallback?: string) => env[name] ?? fallback ?? '',
    );
  }
  if (Array.isArray(value))
    return value.map((v, i) => expandEnv(v, env, `${path}[${i}]`, problems));
  if (isMapping(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        expandEnv(v, env, path ? `${path}.${k}` : k, problems),
      ]),
    );
  }
  return value;
}

function collect(error: ValidationError, parent: string, problems: string[]): void {
  const isIndex = /^\d+$/.test(error.property);
  const path = isIndex
    ? `${parent}[${error.property}]`
    : parent
      ? `${parent}.${error.property}`
      : error.property;
  for (const message of Object.values(error.constraints ?? {})) {
    const text = message.startsWith(`property ${error.property} `)
      ? 'is not a known setting'
      : message.replace(new RegExp(`^${error.property} `), '');
    const line = `${path}: ${text}`;
    if (!problems.includes(line)) problems.push(line);
  }
  for (const child of error.children ?? []) collect(child, path, problems);
}

const COMMON_FIELDS = ['id', 'type', 'enabled', 'priority', 'weight', 'timeoutMs', 'concurrency'];
const HTTP_FIELDS = [...COMMON_FIELDS, 'baseUrl'];
/** Settings each provider type reads; any other is a mistake worth a line. */
const FIELDS_BY_TYPE: Record<string, string[]> = {
  mailgun: [...HTTP_FIELDS, 'apiKey', 'domain'],
  sendgrid: [...HTTP_FIELDS, 'apiKey'],
  ses: [
    ...COMMON_FIELDS,
    'region',
    'accessKeyId',
    'secretAccessKey',
    'sessionToken',
    'endpoint',
    'configurationSet',
  ],
  postmark: [...HTTP_FIELDS, 'serverToken', 'messageStream'],
  mandrill: [...HTTP_FIELDS, 'apiKey'],
  sparkpost: [...HTTP_FIELDS, 'apiKey'],
  resend: [...HTTP_FIELDS, 'apiKey'],
  smtp: [
    ...COMMON_FIELDS,
    'host',
    'port',
    'secure',
    'user',
    'pass',
    'pool',
    'tlsRejectUnauthorized',
  ],
  sandbox: [...COMMON_FIELDS, 'directory'],
};

function checkProviders(config: AppConfig, raw: unknown[], problems: string[]): void {
  const seen = new Set<string>();
  (config.providers ?? []).forEach((p, i) => {
    if (p.id && seen.has(p.id))
      problems.push(`providers[${i}].id: duplicates another provider's id "${p.id}"`);
    seen.add(p.id);
    const allowed = FIELDS_BY_TYPE[p.type];
    const given = raw[i];
    if (!allowed || !isMapping(given)) return;
    for (const key of Object.keys(given)) {
      if (!allowed.includes(key))
        problems.push(`providers[${i}].${key}: is not a setting of type ${p.type}`);
    }
  });
}

/** A round tries every provider in turn; its lease must outlast the slowest possible round. */
function checkLease(config: AppConfig, problems: string[]): void {
  const worstRound = (config.providers ?? []).reduce(
    (sum, p) => sum + (p.timeoutMs ?? 0) + 1000,
    0,
  );
  if (config.dispatch?.leaseMs !== undefined && config.dispatch.leaseMs <= worstRound) {
    problems.push(
      `dispatch.leaseMs: must be more than the providers' timeouts together (${worstRound} ms), or a slow round could lose its lease and send twice`,
    );
  }
}

function checkAuth(config: AppConfig, problems: string[]): void {
  const seen = new Set<string>();
  (config.auth?.keys ?? []).forEach((k, i) => {
    if (k.id && seen.has(k.id))
      problems.push(`auth.keys[${i}].id: duplicates another key's id "${k.id}"`);
    seen.add(k.id);
    if (
      config.environment === 'production' &&
      k.secret instanceof Secret &&
      !k.secret.isEmpty &&
      k.secret.reveal().length < MIN_PRODUCTION_SECRET_LENGTH
    ) {
      problems.push(
        `auth.keys[${i}].secret: the secret of key "${k.id}" is shorter than ${MIN_PRODUCTION_SECRET_LENGTH} characters; in production (NODE_ENV=production) use a random one of at least ${MIN_PRODUCTION_SECRET_LENGTH}`,
      );
    }
  });
  const legacy = config.auth?.legacyUnsigned;
  if (legacy) {
    const key = (config.auth.keys ?? []).find((k) => k.id === legacy.key);
    if (typeof legacy.key === 'string' && !key)
      problems.push(`auth.legacyUnsigned.key: names no key of auth.keys ("${legacy.key}")`);
    else if (key?.disabled)
      problems.push(`auth.legacyUnsigned.key: the key "${legacy.key}" is disabled`);
    (Array.isArray(legacy.allowFrom) ? legacy.allowFrom : []).forEach((cidr, i) => {
      if (typeof cidr === 'string' && !addCidr(new BlockList(), cidr))
        problems.push(
          `auth.legacyUnsigned.allowFrom[${i}]: "${cidr}" is not an IP address or CIDR (like 10.0.0.0/8)`,
        );
    });
  }
}

/** In production, a key secret shorter than this stops the start. */
const MIN_PRODUCTION_SECRET_LENGTH = 32;
