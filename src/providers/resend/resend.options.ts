import { Transform } from 'class-transformer';
import { IsSecret, toSecret } from '../setting.decorators';
import { Secret } from '../../domain/secret';
import { HttpProviderConfig } from '../http/http-provider.options';

/** A `type: resend` provider's settings. */
export class ResendOptions extends HttpProviderConfig {
  @Transform(toSecret)
  @IsSecret()
  apiKey!: Secret;
}
