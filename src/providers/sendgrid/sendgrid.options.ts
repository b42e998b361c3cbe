import { Transform } from 'class-transformer';
import { IsSecret, toSecret } from '../setting.decorators';
import { Secret } from '../../domain/secret';
import { HttpProviderConfig } from '../http/http-provider.options';

/** A `type: sendgrid` provider's settings. */
export class SendgridOptions extends HttpProviderConfig {
  @Transform(toSecret)
  @IsSecret()
  apiKey!: Secret;
}
