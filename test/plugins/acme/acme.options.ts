import { Transform } from 'class-transformer';
import { IsOptional, IsString } from 'class-validator';
import { IsSecret, toSecret } from '../../../src/providers/setting.decorators';
import { Secret } from '../../../src/domain/secret';
import { HttpProviderConfig } from '../../../src/providers/http/http-provider.options';

/** A `type: acme` provider's settings: a made-up vendor that exists only in the tests. */
export class AcmeOptions extends HttpProviderConfig {
  @Transform(toSecret)
  @IsSecret()
  apiKey!: Secret;

  /** Acme's sending channel; default `transactional`. */
  @IsOptional()
  @IsString()
  channel?: string;
}
