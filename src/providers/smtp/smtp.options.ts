import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { ProviderConfig } from '../provider.options';
import { IsSecret, toBool, toSecret } from '../setting.decorators';
import { Secret } from '../../domain/secret';

/** A `type: smtp` provider's settings. */
export class SmtpOptions extends ProviderConfig {
  @IsString({ message: 'must be set' })
  @IsNotEmpty({ message: 'must be set' })
  host!: string;

  /** Default 465 with `secure`, else 587. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  /** Implicit TLS (port 465). Otherwise STARTTLS is used when the server offers it. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  secure?: boolean;

  /**
   * Without implicit TLS: insist on STARTTLS before AUTH (the default), so credentials and mail
   * never cross the network in clear text; false only for a trusted local relay.
   */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  requireTls?: boolean;

  @IsOptional()
  @IsString()
  user?: string;

  @IsOptional()
  @Transform(toSecret)
  @IsSecret()
  pass?: Secret;

  /** Pooled connections. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pool?: number;

  /** False accepts self-signed certificates (test servers only). */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  tlsRejectUnauthorized?: boolean;
}
