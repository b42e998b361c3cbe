import 'reflect-metadata';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { toBool } from './setting.decorators';

/**
 * The settings every provider takes, whatever its type (one `providers[]` entry of the config).
 * Each vendor's plug-in (`src/providers/<vendor>/<vendor>.plugin.ts`) extends this class with its
 * own settings; the loader validates each entry of `providers` against its type's class.
 */
export class ProviderConfig {
  @IsString({ message: 'must be set' })
  @Matches(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'must be lower-case letters, digits, - or _' })
  id!: string;

  /** A registered plug-in's type; the loader checks it against the registry. */
  @IsString({ message: 'must be set' })
  type!: string;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  enabled = true;

  @IsInt()
  @Min(0)
  priority = 1;

  @IsInt()
  @Min(1)
  weight = 1;

  @IsInt()
  @Min(100)
  @Max(300_000)
  timeoutMs = 10_000;

  /** Sends in flight at once through this provider. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  concurrency = 100;

  /**
   * The provider's `webhook:` block, validated by its plug-in's webhook settings class (the loader
   * does it); absent: `POST /v1/webhooks/{id}` answers 404.
   */
  webhook?: object;
}

/**
 * The validated `providers` entries, in config order: a list, so a token. The config module
 * provides it (config reads providers, never the other way round).
 */
export const PROVIDER_CONFIGS = Symbol('PROVIDER_CONFIGS');

/** `server.httpThread`: provider HTTP calls on their own thread. Provided by the config module. */
export const HTTP_THREAD = Symbol('HTTP_THREAD');
