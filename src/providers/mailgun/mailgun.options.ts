import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString } from 'class-validator';
import { IsSecret, toSecret } from '../setting.decorators';
import { Secret } from '../../domain/secret';
import { HttpProviderConfig } from '../http/http-provider.options';

/** A `type: mailgun` provider's settings. */
export class MailgunOptions extends HttpProviderConfig {
  @Transform(toSecret)
  @IsSecret()
  apiKey!: Secret;

  /** The sending domain, as in `POST /v3/{domain}/messages`. */
  @IsString({ message: 'must be set' })
  @IsNotEmpty({ message: 'must be set' })
  domain!: string;
}
