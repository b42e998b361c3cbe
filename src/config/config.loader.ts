import { distance } from 'fastest-levenshtein';
import { readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { parse, YAMLParseError } from 'yaml';
import { addCidr } from '../domain/network';
import { Secret } from '../domain/secret';
import type { ProviderPlugin } from '../providers/provider.plugin';
import { ProviderRegistry } from '../providers/provider.registry';
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
 * MAILOVER_DATA_DIR and NODE_ENV, and validates the result once. Each `providers` entry is
 * validated by its type's plug-in in `registry` (default: the shipped plug-ins).
 */
export function loadConfig(
  env: Env = process.env,
  defaultsFile = DEFAULT_FILE,
  registry = new ProviderRegistry(),
): AppConfig {
  const problems: string[] = [];
  let raw = readYaml(defaultsFile, problems);
  if (env.MAILOVER_CONFIG) raw = overlay(raw, readYaml(resolve(env.MAILOVER_CONFIG), problems));
  if (problems.length) throw new ConfigError(problems);

  const expanded = expandEnv(raw, env, '', problems) as Record<string, unknown>;
  const server = (expanded.server ?? {}) as Record<string, unknown>;
  if (env.PORT !== undefined) {
    // One line naming PORT, not the three of server.port's rules.
    if (/^\d{1,5}$/.test(env.PORT) && Number(env.PORT) <= 65535) server.port = Number(env.PORT);
    else problems.push(`PORT: must be a port number from 0 to 65535 (is "${env.PORT}")`);
  }
  if (env.MAILOVER_ROLE !== undefined) server.role = env.MAILOVER_ROLE;
  expanded.server = server;
  expanded.dataDir = env.MAILOVER_DATA_DIR || expanded.dataDir || './data';
  expanded.environment = env.NODE_ENV || 'development';

  const rawProviders = expanded.providers ?? [];
  expanded.providers = [];
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
  config.providers = readProviders(rawProviders, registry, problems);
  checkAuth(config, problems);
  checkRole(config, problems);
  if (problems.length) throw new ConfigError(problems);

  config.dataDir = resolve(config.dataDir);
  if (config.providers.length === 0) config.providers.push(sandboxDefault(registry));
  for (const p of config.providers) {
    registry.find(p.type)?.resolve?.(p, { dataDir: config.dataDir });
  }
  return config;
}

/** The embedded default when no provider is configured: .eml files under dataDir/outbox. */
function sandboxDefault(registry: ProviderRegistry): ProviderConfig {
  const sandbox = registry.find('sandbox');
  if (!sandbox) throw new ConfigError(['providers: no provider is configured']);
  return plainToInstance(
    sandbox.options,
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
    if (e instanceof YAMLParseError && e.linePos) {
      // The message's first line, then the offending line itself with a caret under the column.
      const { line, col } = e.linePos[0];
      const text = readFileSync(file, 'utf8').split(/\r?\n/)[line - 1] ?? '';
      const gutter = `  ${line} | `;
      problems.push(
        `${file}:${line}:${col}: ${e.message.split('\n')[0]}\n${gutter}${text}\n${' '.repeat(gutter.length + col - 1)}^`,
      );
    } else problems.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
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
    return value.replace(REFERENCE, (_m, name: string, fallback?: string) => {
      const found = env[name] ?? fallback;
      if (found === undefined)
        problems.push(
          `${path}: \${${name}} is not set in the environment (\${${name}:-} allows it to be empty)`,
        );
      return found ?? '';
    });
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

/** The settings of the object a problem was found in: its properties and its validated ones. */
function knownSettings(target: object | undefined): string[] {
  if (!target) return [];
  const validated = getMetadataStorage()
    .getTargetValidationMetadatas(target.constructor, '', true, false)
    .map((m) => m.propertyName);
  let defaults: string[] = [];
  try {
    defaults = Object.keys(new (target.constructor as new () => object)());
  } catch {
    // Not constructible without arguments: its validated properties are enough.
  }
  return [...new Set([...validated, ...defaults])];
}

/** `; did you mean "x"?` for the known name closest to a mistyped one, or '' when none is close. */
export function didYouMean(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))
    ? `; did you mean "${best}"?`
    : '';
}

/** `unknown` words a setting the class does not declare. */
function collect(
  error: ValidationError,
  parent: string,
  problems: string[],
  unknown = 'is not a known setting',
): void {
  const isIndex = /^\d+$/.test(error.property);
  const path = isIndex
    ? `${parent}[${error.property}]`
    : parent
      ? `${parent}.${error.property}`
      : error.property;
  for (const message of Object.values(error.constraints ?? {})) {
    const text = message.startsWith(`property ${error.property} `)
      ? `${unknown}${didYouMean(error.property, knownSettings(error.target))}`
      : message.replace(new RegExp(`^${error.property} `), '');
    const line = `${path}: ${text}`;
    if (!problems.includes(line)) problems.push(line);
  }
  for (const child of error.children ?? []) collect(child, path, problems, unknown);
}

/**
 * Validates each entry against its type's options class: the plug-in's own settings and the
 * common ones are accepted, any other (another type's, or a typo) is a mistake worth a line.
 */
function readProviders(
  raw: unknown,
  registry: ProviderRegistry,
  problems: string[],
): ProviderConfig[] {
  if (!Array.isArray(raw)) {
    problems.push('providers: must be a list');
    return [];
  }
  const seen = new Set<string>();
  return raw.map((given: unknown, i) => {
    const path = `providers[${i}]`;
    if (!isMapping(given)) {
      problems.push(`${path}: must be a mapping`);
      return new ProviderConfig();
    }
    const plugin = registry.find(given.type);
    const { webhook, ...settings } = given;
    const options = plainToInstance(plugin?.options ?? ProviderConfig, settings, {
      exposeDefaultValues: true,
    });
    const strict = { whitelist: true, forbidNonWhitelisted: true };
    for (const error of validateSync(options, plugin ? strict : {})) {
      collect(error, path, problems, `is not a setting of type ${String(given.type)}`);
    }
    if (webhook !== undefined && plugin)
      options.webhook = readWebhook(webhook, plugin, `${path}.webhook`, problems);
    if (!plugin && typeof given.type === 'string')
      problems.push(`${path}.type: must be one of ${registry.types.join(', ')}`);
    if (options.id && seen.has(options.id))
      problems.push(`${path}.id: duplicates another provider's id "${options.id}"`);
    seen.add(options.id);
    return options;
  });
}

/** A provider's `webhook:` block, validated by its plug-in's webhook settings class. */
function readWebhook(
  raw: unknown,
  plugin: ProviderPlugin,
  path: string,
  problems: string[],
): object | undefined {
  if (!plugin.webhook) {
    problems.push(`${path}: type ${plugin.type} has no webhooks`);
    return undefined;
  }
  if (!isMapping(raw)) {
    problems.push(`${path}: must be a mapping`);
    return undefined;
  }
  const settings = plainToInstance(plugin.webhook.settings, raw, { exposeDefaultValues: true });
  for (const error of validateSync(settings, { whitelist: true, forbidNonWhitelisted: true }))
    collect(error, path, problems, `is not a webhook setting of type ${plugin.type}`);
  return settings;
}

/** A round tries every provider in turn; its lease must outlast the slowest possible round. */
/** Replicas of one role share the work through PostgreSQL; a SQLite file belongs to one process. */
function checkRole(config: AppConfig, problems: string[]): void {
  const role = config.server?.role;
  if ((role === 'api' || role === 'worker') && config.store?.driver === 'sqlite')
    problems.push(
      `server.role: ${role} runs beside other replicas on a shared store: set store.driver to postgres (a SQLite file belongs to one process, role all)`,
    );
}

/**
 * Settings that work but are wrong for several replicas on one PostgreSQL store, said loudly at
 * start: rate-limit counters in memory are per process, so N replicas allow N times each limit.
 */
export function replicaWarnings(config: AppConfig): string[] {
  if (config.environment !== 'production' || config.store.driver !== 'postgres') return [];
  return config.rateLimit.storage === 'memory'
    ? [
        'rateLimit.storage is memory on a shared PostgreSQL store: each replica counts on its own, so N replicas allow N times every limit. Set rateLimit.storage: redis when running more than one replica.',
      ]
    : [];
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
