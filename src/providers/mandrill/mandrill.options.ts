import { Transform } from 'class-transformer';
import { IsSecret, toSecret } from '../setting.decorators';
import { Secret } from '../../domain/secret';
import { HttpProviderConfig } from '../http/http-provider.options';

/** A `type: mandrill` provider's settings. */
export class MandrillOptions extends HttpProviderConfig {
  @Transform(toSecret)
  @IsSecret()
  apiKey!: Secret;
}
