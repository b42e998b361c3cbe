import { Transform } from 'class-transformer';
import { IsSecret, toSecret } from '../setting.decorators';
import { Secret } from '../../domain/secret';
import { HttpProviderConfig } from '../http/http-provider.options';

/** A `type: sparkpost` provider's settings. */
export class SparkpostOptions extends HttpProviderConfig {
  @Transform(toSecret)
  @IsSecret()
  apiKey!: Secret;
}
